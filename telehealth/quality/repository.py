"""Queries of call quality: raw records, sessions and their rollups, the purge."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    Appointment,
    ConsultationRequest,
    LiveSession,
    ParticipantQualityRollup,
    SessionParticipation,
    SessionQualityRecord,
    SessionQualityRollup,
)
from telehealth.quality.writer import lowest_id_at


async def live_session(session: AsyncSession, room: str) -> LiveSession | None:
    result = await session.execute(select(LiveSession).where(col(LiveSession.room) == room))
    return result.scalar_one_or_none()


async def raw_records(session: AsyncSession, room: str) -> list[SessionQualityRecord]:
    result = await session.execute(
        select(SessionQualityRecord)
        .where(col(SessionQualityRecord.room) == room)
        .order_by(col(SessionQualityRecord.recorded_at), col(SessionQualityRecord.id))
    )
    return list(result.scalars().all())


async def participations(session: AsyncSession, room: str) -> list[SessionParticipation]:
    result = await session.execute(
        select(SessionParticipation).where(col(SessionParticipation.room) == room)
    )
    return list(result.scalars().all())


async def facilities_of_room(
    session: AsyncSession, room: str
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(hosting facility, other facility) of a room's visit or consultation."""
    kind, _, raw_id = room.partition(":")
    try:
        resource_id = uuid.UUID(raw_id)
    except ValueError:
        return None, None
    if kind == "appointment":
        appointment = await session.get(Appointment, resource_id)
        return (appointment.facility_id, None) if appointment else (None, None)
    if kind == "consultation":
        request = await session.get(ConsultationRequest, resource_id)
        if request is None:
            return None, None
        return request.consulting_facility_id, request.requesting_facility_id
    return None, None


async def rollup(session: AsyncSession, room: str) -> SessionQualityRollup | None:
    result = await session.execute(
        select(SessionQualityRollup).where(col(SessionQualityRollup.room) == room)
    )
    return result.scalar_one_or_none()


async def participant_rollups(
    session: AsyncSession, room: str
) -> Sequence[ParticipantQualityRollup]:
    result = await session.execute(
        select(ParticipantQualityRollup)
        .where(col(ParticipantQualityRollup.room) == room)
        .order_by(col(ParticipantQualityRollup.role), col(ParticipantQualityRollup.display_name))
    )
    return result.scalars().all()


async def rooms_to_roll_up(
    session: AsyncSession, *, ended_before: datetime, idle_since: datetime, limit: int
) -> list[str]:
    """Sessions without a rollup: ended (the end's own rollup failed or never ran), or
    never ended but silent since `idle_since` (everyone closed the tab)."""
    has_rollup = exists().where(col(SessionQualityRollup.room) == col(LiveSession.room))
    last_record = (
        select(func.max(SessionQualityRecord.recorded_at))
        .where(col(SessionQualityRecord.room) == col(LiveSession.room))
        .scalar_subquery()
    )
    statement = (
        select(col(LiveSession.room))
        .where(~has_rollup)
        .where(
            or_(
                col(LiveSession.ended_at) < ended_before,
                (col(LiveSession.ended_at).is_(None))
                & (col(LiveSession.started_at) < idle_since)
                & (func.coalesce(last_record, col(LiveSession.started_at)) < idle_since),
            )
        )
        .order_by(col(LiveSession.started_at))
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def rooms_with_raw_before(session: AsyncSession, cutoff: datetime, limit: int) -> list[str]:
    """Rooms whose old raw records have no rollup yet: rolled up before the purge."""
    has_rollup = exists().where(col(SessionQualityRollup.room) == col(SessionQualityRecord.room))
    statement = (
        select(col(SessionQualityRecord.room))
        .where(col(SessionQualityRecord.id) < lowest_id_at(cutoff))
        .where(~has_rollup)
        .distinct()
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def purge_raw_batch(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` raw records older than `cutoff`, oldest first.

    Ids are UUIDv7 stamped with the record's time (telehealth.quality.writer), so the
    range is read from the primary key index; `recorded_at` guards rows whose id came
    from another clock.
    """
    oldest = (
        select(col(SessionQualityRecord.id))
        .where(col(SessionQualityRecord.id) < lowest_id_at(cutoff))
        .where(col(SessionQualityRecord.recorded_at) < cutoff)
        .order_by(col(SessionQualityRecord.id))
        .limit(batch)
    )
    ids = list((await session.execute(oldest)).scalars().all())
    if not ids:
        return 0
    await session.execute(delete(SessionQualityRecord).where(col(SessionQualityRecord.id).in_(ids)))
    return len(ids)


async def facility_rollups(
    session: AsyncSession,
    facility_ids: Sequence[uuid.UUID] | None,
    since: datetime,
    until: datetime,
    limit: int = 500,
) -> Sequence[SessionQualityRollup]:
    statement = select(SessionQualityRollup).where(
        col(SessionQualityRollup.started_at) >= since, col(SessionQualityRollup.started_at) < until
    )
    if facility_ids is not None:
        statement = statement.where(
            or_(
                col(SessionQualityRollup.facility_id).in_(facility_ids),
                col(SessionQualityRollup.other_facility_id).in_(facility_ids),
            )
        )
    statement = statement.order_by(col(SessionQualityRollup.started_at).desc()).limit(limit)
    return (await session.execute(statement)).scalars().all()


async def facility_sessions(
    session: AsyncSession, facility_id: uuid.UUID, before: datetime, limit: int = 100
) -> list[tuple[LiveSession, SessionQualityRollup | None]]:
    """A facility's live sessions (its video visits, and consultations it asked or answered),
    newest first, each with its rollup when it has one."""
    visits = (
        select(LiveSession, SessionQualityRollup)
        .join(Appointment, col(Appointment.id) == col(LiveSession.resource_id))
        .outerjoin(SessionQualityRollup, col(SessionQualityRollup.room) == col(LiveSession.room))
        .where(col(LiveSession.kind) == "appointment", col(Appointment.facility_id) == facility_id)
        .where(col(LiveSession.started_at) <= before)
        .order_by(col(LiveSession.started_at).desc())
        .limit(limit)
    )
    consultations = (
        select(LiveSession, SessionQualityRollup)
        .join(ConsultationRequest, col(ConsultationRequest.id) == col(LiveSession.resource_id))
        .outerjoin(SessionQualityRollup, col(SessionQualityRollup.room) == col(LiveSession.room))
        .where(col(LiveSession.kind) == "consultation")
        .where(
            or_(
                col(ConsultationRequest.consulting_facility_id) == facility_id,
                col(ConsultationRequest.requesting_facility_id) == facility_id,
            )
        )
        .where(col(LiveSession.started_at) <= before)
        .order_by(col(LiveSession.started_at).desc())
        .limit(limit)
    )
    rows: list[tuple[LiveSession, SessionQualityRollup | None]] = [
        (live, roll) for live, roll in (await session.execute(visits)).all()
    ]
    rows += [(live, roll) for live, roll in (await session.execute(consultations)).all()]
    rows.sort(key=lambda row: row[0].started_at, reverse=True)
    return rows[:limit]


async def patient_of_room(session: AsyncSession, room: str) -> uuid.UUID | None:
    """The patient a visit or consultation is about (for the audit trail)."""
    kind, _, raw_id = room.partition(":")
    try:
        resource_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    row: Appointment | ConsultationRequest | None
    if kind == "appointment":
        row = await session.get(Appointment, resource_id)
    elif kind == "consultation":
        row = await session.get(ConsultationRequest, resource_id)
    else:
        return None
    return row.patient_id if row is not None else None
