"""Queries for schedule rules, exceptions, slots and the appointments that hold them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Patient,
    Practitioner,
    ScheduleException,
    ScheduleRule,
    Slot,
)
from telehealth.scheduling.expand import Window

LIVE = col(Appointment.status) != AppointmentStatus.cancelled


async def lock_practitioners(
    session: AsyncSession, ids: Sequence[uuid.UUID], *, skip_locked: bool = False
) -> list[Practitioner]:
    """Lock practitioner rows so that slot rewrites of one practitioner never interleave.

    PostgreSQL takes row locks (SKIP LOCKED lets a second worker move on); SQLite ignores
    FOR UPDATE, but its BEGIN IMMEDIATE already serialises every writer.
    """
    if not ids:
        return []
    stmt = (
        select(Practitioner)
        .where(col(Practitioner.id).in_(ids))
        .order_by(col(Practitioner.id))  # one lock order everywhere: no deadlocks
        .with_for_update(skip_locked=skip_locked)
    )
    return list((await session.execute(stmt)).scalars().all())


async def active_practitioner_ids(session: AsyncSession) -> list[uuid.UUID]:
    stmt = select(col(Practitioner.id)).where(col(Practitioner.is_active).is_(True))
    return list((await session.execute(stmt.order_by(col(Practitioner.id)))).scalars().all())


async def facility_practitioner_ids(
    session: AsyncSession, facility_id: uuid.UUID
) -> list[uuid.UUID]:
    stmt = select(col(Practitioner.id)).where(col(Practitioner.facility_id) == facility_id)
    return list((await session.execute(stmt.order_by(col(Practitioner.id)))).scalars().all())


async def rules_for(
    session: AsyncSession, practitioner_ids: Sequence[uuid.UUID]
) -> list[ScheduleRule]:
    stmt = (
        select(ScheduleRule)
        .where(col(ScheduleRule.practitioner_id).in_(practitioner_ids))
        .order_by(col(ScheduleRule.weekday), col(ScheduleRule.start_time))
    )
    return list((await session.execute(stmt)).scalars().all())


async def exceptions_touching(
    session: AsyncSession, facility_ids: Sequence[uuid.UUID], since: datetime
) -> list[ScheduleException]:
    stmt = select(ScheduleException).where(
        col(ScheduleException.facility_id).in_(facility_ids),
        col(ScheduleException.end_at) > since,
    )
    return list(
        (await session.execute(stmt.order_by(col(ScheduleException.start_at)))).scalars().all()
    )


async def future_slots(
    session: AsyncSession, practitioner_ids: Sequence[uuid.UUID], since: datetime
) -> list[tuple[Slot, Appointment | None]]:
    """Future slots of the practitioners, each with its live appointment if it has one."""
    stmt = (
        select(Slot, Appointment)
        .outerjoin(Appointment, and_(col(Appointment.slot_id) == col(Slot.id), LIVE))
        .where(col(Slot.practitioner_id).in_(practitioner_ids), col(Slot.start_at) >= since)
        .order_by(col(Slot.practitioner_id), col(Slot.start_at))
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def insert_windows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: concurrent or repeated runs never duplicate a slot."""
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    created = 0
    # Chunks keep each statement under SQLite's bound-parameter limit.
    for i in range(0, len(rows), 500):
        stmt = insert(Slot).values(list(rows[i : i + 500]))
        stmt = stmt.on_conflict_do_nothing(index_elements=["practitioner_id", "start_at"])
        result = await session.execute(stmt)
        created += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return created


async def delete_free_slots(session: AsyncSession, slot_ids: Sequence[uuid.UUID]) -> int:
    """Delete slots, but only those no live appointment holds at the moment of the DELETE.

    The guard sits in the statement itself, so a booking that commits between our read and
    this write keeps its slot instead of losing it.
    """
    if not slot_ids:
        return 0
    held = exists().where(col(Appointment.slot_id) == col(Slot.id), LIVE)
    deleted = 0
    for i in range(0, len(slot_ids), 500):
        stmt = delete(Slot).where(col(Slot.id).in_(slot_ids[i : i + 500]), ~held)
        result = await session.execute(stmt.execution_options(synchronize_session=False))
        deleted += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return deleted


def window_row(window: Window, facility_id: uuid.UUID, slot_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": slot_id,
        "practitioner_id": window.practitioner_id,
        "facility_id": facility_id,
        "start_at": window.start_at,
        "end_at": window.end_at,
        "mode": window.mode,
    }


async def agenda_rows(
    session: AsyncSession, practitioner_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[Slot, Appointment | None, Patient | None]]:
    stmt = (
        select(Slot, Appointment, Patient)
        .outerjoin(Appointment, and_(col(Appointment.slot_id) == col(Slot.id), LIVE))
        .outerjoin(Patient, col(Patient.id) == col(Appointment.patient_id))
        .where(
            col(Slot.practitioner_id) == practitioner_id,
            col(Slot.start_at) >= start,
            col(Slot.start_at) < end,
        )
        .order_by(col(Slot.start_at))
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def practitioners(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Practitioner]:
    stmt = select(Practitioner).where(col(Practitioner.id).in_(ids)).order_by(col(Practitioner.id))
    return list((await session.execute(stmt)).scalars().all())
