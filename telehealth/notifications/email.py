"""Email copies of notifications over SMTP (aiosmtplib), and the retry schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from telehealth.config import Settings
from telehealth.models import Notification, User

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
SMTP_TIMEOUT_SECONDS = 20.0
# Errors that mean "try again later": the server said no for now, or could not be reached.
TRANSIENT_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


def next_attempt_at(note: Notification) -> datetime:
    """Attempt n+1 is due BACKOFF_BASE·(2ⁿ−1) after the notification was created (0, 1, 3,
    7, 15, 31 minutes): derived from the attempt count, so no extra column is needed."""
    return note.created_at + BACKOFF_BASE * (2**note.email_attempts - 1)


def build_message(note: Notification, user: User, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = formataddr((user.full_name, user.email or ""))
    message["Subject"] = note.title
    message["Message-ID"] = make_msgid(idstring=str(note.id), domain="vtelehealth")
    lines = [note.body] if note.body else []
    if note.link:
        lines.append(f"{settings.base_url.rstrip('/')}{note.link}")
    lines += ["", "—", "VTelehealth"]
    message.set_content("\n".join(lines))
    return message


async def send(message: EmailMessage, settings: Settings) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
