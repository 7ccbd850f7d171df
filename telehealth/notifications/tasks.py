"""The notifications worker: send pending email copies, with retries and backoff on the row."""

from __future__ import annotations

import logging

from telehealth.jobs import JobContext
from telehealth.notifications import email, repository

log = logging.getLogger(__name__)

BATCH = 100


async def deliver_pending_emails(ctx: JobContext) -> int:
    """Send each due pending email once per attempt; returns how many were sent.

    No transaction is held while talking to the mail server: the attempt is claimed and
    committed first, then sent, then its outcome recorded. A crash in between leaves the
    row pending, and it is retried after the backoff (at-least-once, as email allows).
    """
    settings = ctx.settings
    if not settings.smtp_host:
        return 0
    now = ctx.clock.now()
    async for session in ctx.db.transaction():
        pending = await repository.pending_emails(session, BATCH)
    sent = 0
    for note, user in pending:
        if email.next_attempt_at(note) > now:
            continue
        if not user.email:
            async for session in ctx.db.transaction():
                await repository.record_email_outcome(session, note.id, "none", None)
            continue
        claimed = False
        async for session in ctx.db.transaction():
            claimed = await repository.claim_email_attempt(session, note.id, note.email_attempts)
        if not claimed:
            continue  # another worker took this attempt
        attempt = note.email_attempts + 1
        try:
            await email.send(email.build_message(note, user, settings), settings)
        except email.TRANSIENT_ERRORS as exc:
            status = "failed" if attempt >= email.MAX_ATTEMPTS else "pending"
            error = f"attempt {attempt}: {type(exc).__name__}: {exc}"[:500]
            log.warning("email for notification %s not sent (%s)", note.id, error)
            async for session in ctx.db.transaction():
                await repository.record_email_outcome(session, note.id, status, error)
            continue
        async for session in ctx.db.transaction():
            await repository.record_email_outcome(session, note.id, "sent", None)
        sent += 1
    return sent
