"""Putting messages in the outbox (in the caller's transaction) and reviving dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.errors import Conflict, NotFound
from telehealth.ids import new_id
from telehealth.models import OutboxMessage, OutboxStatus
from telehealth.outbox import repository
from telehealth.outbox.errors import OutboxKeyConflict


async def enqueue(
    session: AsyncSession, *, kind: str, key: str, payload: dict[str, Any], now: datetime
) -> OutboxMessage:
    """Add a pending message to the caller's transaction; the same key gives the same message.

    Because the row commits or rolls back with the caller's own change (a signed encounter
    summary, say), there is never a signed document without its pending delivery, nor a
    delivery of a document that was rolled back. ON CONFLICT DO NOTHING makes a concurrent
    enqueue of the same key harmless instead of an integrity error that would roll the
    caller's transaction back.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .values(
            id=new_id(),
            kind=kind,
            key=key,
            payload=payload,
            status=OutboxStatus.pending,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    await session.execute(statement)
    message = await repository.by_key(session, key)
    assert message is not None  # inserted now, or there before
    if message.kind != kind or message.payload != payload:
        raise OutboxKeyConflict("outbox.errors.key_conflict", outbox_key=key)
    return message


async def retry(session: AsyncSession, message_id: uuid.UUID, *, now: datetime) -> OutboxMessage:
    """Put a dead or failing message back to pending, due now, with a fresh attempt budget.

    For the author or the facility admin once the cause is fixed (a corrected resource, a
    renewed client registration); the caller checks who may do it. The last error stays
    visible until the next attempt replaces it.
    """
    message = await repository.get_for_update(session, message_id)
    if message is None:
        raise NotFound("outbox.errors.not_found")
    if message.status == OutboxStatus.delivered:
        raise Conflict("outbox.errors.already_delivered")
    if message.locked_until is not None and message.locked_until > now:
        # A dispatcher is delivering it right now; reviving it could send it twice.
        raise Conflict("outbox.errors.in_flight")
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.next_attempt_at = now
    message.locked_until = None
    message.locked_by = None
    await session.flush()
    return message
