"""Small helpers for the outbox tests: enqueue in a committed transaction, read rows back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from telehealth.db import Database
from telehealth.models import OutboxMessage
from telehealth.outbox.service import enqueue


async def enqueue_committed(
    db: Database,
    *,
    now: datetime,
    kind: str = "test.echo",
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> uuid.UUID:
    async for session in db.transaction():
        message = await enqueue(
            session,
            kind=kind,
            key=key or f"test:{uuid.uuid4()}",
            payload=payload if payload is not None else {"n": 1},
            now=now,
        )
    return message.id


async def load(db: Database, message_id: uuid.UUID) -> OutboxMessage:
    async for session in db.transaction():
        found = await session.get(OutboxMessage, message_id)
    assert found is not None
    return found


async def load_all(db: Database) -> list[OutboxMessage]:
    async for session in db.transaction():
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    return rows
