"""Creating notifications: stored in the caller's transaction, pushed live after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.db import after_commit
from telehealth.errors import NotFound
from telehealth.i18n import translate
from telehealth.ids import new_id
from telehealth.models import Notification, User
from telehealth.notifications import repository


def user_channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a notification is for: their account's language and email address."""

    user_id: uuid.UUID
    locale: str | None
    email: str | None


async def recipient(session: AsyncSession, user_id: uuid.UUID) -> Recipient:
    user = await session.get(User, user_id)
    if user is None:
        raise ValueError(f"no user {user_id}")
    return Recipient(user.id, user.locale, user.email)


def compose(
    to: Recipient,
    *,
    kind: str,
    title_key: str,
    body_key: str | None = None,
    link: str | None = None,
    now: datetime,
    email: bool = False,
    smtp_configured: bool = False,
    **params: Any,
) -> dict[str, Any]:
    """A notification row in the recipient's language, not yet written (see `notify`)."""
    lang = to.locale or "vi"
    return {
        "id": new_id(),
        "user_id": to.user_id,
        "kind": kind,
        "title": translate(title_key, lang, **params)[:200],
        "body": translate(body_key, lang, **params)[:2000] if body_key else "",
        "link": link,
        "created_at": now,
        "read_at": None,
        "email_status": "pending" if (email and smtp_configured and to.email) else "none",
        "email_attempts": 0,
        "email_last_error": None,
    }


def announce(session: AsyncSession, bus: Any, row: dict[str, Any]) -> None:
    """Publish a written notification to `user:<id>` once the transaction has committed."""
    payload = {
        "type": "notification",
        "id": str(row["id"]),
        "kind": row["kind"],
        "title": row["title"],
        "body": row["body"],
        "link": row["link"],
        "created_at": row["created_at"].isoformat(),
    }
    channel = user_channel(row["user_id"])

    async def _publish() -> None:
        await bus.publish(channel, payload)

    after_commit(session, _publish)


async def notify(
    session: AsyncSession,
    bus: Any,
    *,
    user_id: uuid.UUID,
    kind: str,
    title_key: str,
    body_key: str | None = None,
    link: str | None = None,
    now: datetime,
    email: bool = False,
    smtp_configured: bool = False,
    **params: Any,
) -> uuid.UUID:
    """Write one notification in the user's language; publish it to `user:<id>` after commit.

    `email=True` queues an email copy when the user has an address and SMTP is configured;
    the notifications worker sends it (with retries) so a slow mail server never slows a
    request down.
    """
    row = compose(
        await recipient(session, user_id),
        kind=kind,
        title_key=title_key,
        body_key=body_key,
        link=link,
        now=now,
        email=email,
        smtp_configured=smtp_configured,
        **params,
    )
    await write(session, bus, row)
    return row["id"]  # type: ignore[no-any-return]


async def write(session: AsyncSession, bus: Any, row: dict[str, Any]) -> None:
    """Write a composed notification; publish it to `user:<id>` after commit."""
    await repository.write(session, row)
    announce(session, bus, row)


async def inbox(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notification], int]:
    """The user's own notifications, newest first, and how many are unread."""
    items = await repository.inbox(
        session, user_id, unread_only=unread_only, limit=limit, offset=offset
    )
    return items, await repository.unread_count(session, user_id)


async def mark_read(
    session: AsyncSession,
    user_id: uuid.UUID,
    now: datetime,
    notification_id: uuid.UUID | None = None,
) -> int:
    """Mark one notification (404 if it is not the user's) or all of them read."""
    if (
        notification_id is not None
        and await repository.get_own(session, user_id, notification_id) is None
    ):
        raise NotFound("notifications.errors.not_found")
    return await repository.mark_read(session, user_id, now, notification_id)
