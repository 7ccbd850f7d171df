"""Facts kept by other domains, read only if their tables exist in this deployment's schema.

The delivery of a consultation's signed minutes to the health record platform (the
records domain's `clinical_document` → `outbox_message`) and call quality (the quality
domain's `session_quality_rollup`) are looked up by table name in the metadata, so the
register and the reports work, and say what they cannot show, whichever domains are in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from telehealth.models import OutboxMessage, OutboxStatus

NOT_SENT = "not_sent"


def _table(name: str, *columns: str) -> Table | None:
    table = SQLModel.metadata.tables.get(name)
    if table is None or any(c not in table.c for c in columns):
        return None
    return table


def documents_table() -> Table | None:
    return _table("clinical_document", "consultation_id", "outbox_message_id", "signed_at")


def quality_table() -> Table | None:
    return _table("session_quality_rollup", "kind", "resource_id", "mos", "grade")


def delivery_status(message: Any) -> str:
    """delivered, dead, failed (tried, will retry), pending; NOT_SENT if nothing is queued."""
    if message is None:
        return NOT_SENT
    if message.status == OutboxStatus.delivered:
        return "delivered"
    if message.status == OutboxStatus.dead:
        return "dead"
    return "failed" if message.attempts > 0 else "pending"


async def deliveries(session: AsyncSession, consultation_ids: Any) -> dict[uuid.UUID, str]:
    """The delivery status of each consultation's latest signed document (absent: not sent).

    `consultation_ids` is a subquery (a whole report's consultations may be many)."""
    documents = documents_table()
    if documents is None:
        return {}
    latest = (
        select(documents.c.consultation_id, func.max(documents.c.signed_at).label("signed_at"))
        .where(documents.c.consultation_id.in_(consultation_ids))
        .group_by(documents.c.consultation_id)
        .subquery()
    )
    stmt = (
        select(documents.c.consultation_id, OutboxMessage)
        .join(latest, (latest.c.consultation_id == documents.c.consultation_id)
              & (latest.c.signed_at == documents.c.signed_at))
        .join(OutboxMessage, col(OutboxMessage.id) == documents.c.outbox_message_id)
    )
    rows = (await session.execute(stmt)).all()
    return {row[0]: delivery_status(row[1]) for row in rows}


@dataclass(frozen=True)
class CallQuality:
    sessions: int
    mos_sum: float
    mos_count: int
    good: int


async def call_quality(
    session: AsyncSession, consultation_ids: Any
) -> dict[uuid.UUID, CallQuality] | None:
    """Each consultation's live sessions' quality; None when the quality domain is absent."""
    rollups = quality_table()
    if rollups is None:
        return None
    stmt = (
        select(
            rollups.c.resource_id,
            func.count(),
            func.coalesce(func.sum(rollups.c.mos), 0.0),
            func.count(rollups.c.mos),
            func.sum(case((rollups.c.grade == "good", 1), else_=0)),
        )
        .where(rollups.c.kind == "consultation",
               rollups.c.resource_id.in_(consultation_ids))
        .group_by(rollups.c.resource_id)
    )
    return {
        row[0]: CallQuality(int(row[1]), float(row[2]), int(row[3]), int(row[4] or 0))
        for row in (await session.execute(stmt)).all()
    }
