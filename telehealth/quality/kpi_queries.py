"""The rows service KPIs are computed from: requests and their timeline, visits, sessions,
rollups, ratings and connection checks, of the facilities and period asked for.

Nothing here is a counter kept on the side: every figure is recomputed from the records
themselves, so a KPI can always be traced back to the rows it counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    Appointment,
    ConnectionCheck,
    ConsultationEvent,
    ConsultationRequest,
    ConsultationStatus,
    Facility,
    LiveSession,
    SessionQualityRollup,
    VisitMode,
    VisitRating,
)


@dataclass(frozen=True)
class KpiFilter:
    facility_ids: list[uuid.UUID] | None  # None: all facilities
    specialty_id: uuid.UUID | None
    since: datetime
    until: datetime


async def consultation_requests(
    session: AsyncSession, f: KpiFilter
) -> Sequence[ConsultationRequest]:
    """Requests submitted in the period by or to the facilities (drafts never count)."""
    statement = select(ConsultationRequest).where(
        col(ConsultationRequest.status) != ConsultationStatus.draft,
        col(ConsultationRequest.submitted_at) >= f.since,
        col(ConsultationRequest.submitted_at) < f.until,
    )
    if f.facility_ids is not None:
        statement = statement.where(
            or_(
                col(ConsultationRequest.requesting_facility_id).in_(f.facility_ids),
                col(ConsultationRequest.consulting_facility_id).in_(f.facility_ids),
            )
        )
    if f.specialty_id is not None:
        statement = statement.where(col(ConsultationRequest.specialty_id) == f.specialty_id)
    return (await session.execute(statement)).scalars().all()


async def timeline(
    session: AsyncSession, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ConsultationEvent]]:
    events: dict[uuid.UUID, list[ConsultationEvent]] = {i: [] for i in request_ids}
    ids = list(request_ids)
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start : start + 500]
        statement = (
            select(ConsultationEvent)
            .where(col(ConsultationEvent.consultation_id).in_(chunk))
            .order_by(col(ConsultationEvent.at), col(ConsultationEvent.id))
        )
        for event in (await session.execute(statement)).scalars():
            events[event.consultation_id].append(event)
    return events


async def video_appointments(session: AsyncSession, f: KpiFilter) -> Sequence[Appointment]:
    statement = select(Appointment).where(
        col(Appointment.mode) == VisitMode.video,
        col(Appointment.start_at) >= f.since,
        col(Appointment.start_at) < f.until,
    )
    if f.facility_ids is not None:
        statement = statement.where(col(Appointment.facility_id).in_(f.facility_ids))
    if f.specialty_id is not None:
        statement = statement.where(col(Appointment.specialty_id) == f.specialty_id)
    return (await session.execute(statement)).scalars().all()


async def live_sessions(
    session: AsyncSession, f: KpiFilter
) -> list[tuple[LiveSession, SessionQualityRollup | None]]:
    """Sessions started in the period, of the facilities' visits and consultations."""
    out: list[tuple[LiveSession, SessionQualityRollup | None]] = []
    for kind, table, facility_columns, specialty_column in (
        ("appointment", Appointment, (Appointment.facility_id,), Appointment.specialty_id),
        ("consultation", ConsultationRequest,
         (ConsultationRequest.consulting_facility_id, ConsultationRequest.requesting_facility_id),
         ConsultationRequest.specialty_id),
    ):
        statement = (
            select(LiveSession, SessionQualityRollup)
            .join(table, col(table.id) == col(LiveSession.resource_id))  # type: ignore[attr-defined]
            .outerjoin(
                SessionQualityRollup, col(SessionQualityRollup.room) == col(LiveSession.room)
            )
            .where(col(LiveSession.kind) == kind)
            .where(col(LiveSession.started_at) >= f.since, col(LiveSession.started_at) < f.until)
        )
        if f.facility_ids is not None:
            statement = statement.where(
                or_(*(col(c).in_(f.facility_ids) for c in facility_columns))
            )
        if f.specialty_id is not None:
            statement = statement.where(col(specialty_column) == f.specialty_id)
        out += [(live, roll) for live, roll in (await session.execute(statement)).all()]
    return out


async def ratings(session: AsyncSession, f: KpiFilter) -> Sequence[VisitRating]:
    statement = select(VisitRating).where(
        col(VisitRating.created_at) >= f.since, col(VisitRating.created_at) < f.until
    )
    if f.facility_ids is not None:
        statement = statement.where(col(VisitRating.facility_id).in_(f.facility_ids))
    if f.specialty_id is not None:
        statement = statement.join(
            Appointment, col(Appointment.id) == col(VisitRating.appointment_id)
        ).where(col(Appointment.specialty_id) == f.specialty_id)
    return (await session.execute(statement)).scalars().all()


async def connection_checks(
    session: AsyncSession, f: KpiFilter
) -> list[tuple[ConnectionCheck, str]]:
    """Checks run at the facilities (stations) in the period, with the station's name."""
    statement = (
        select(ConnectionCheck, col(Facility.name))
        .join(Facility, col(Facility.id) == col(ConnectionCheck.facility_id))
        .where(col(ConnectionCheck.started_at) >= f.since)
        .where(col(ConnectionCheck.started_at) < f.until)
    )
    if f.facility_ids is not None:
        statement = statement.where(col(ConnectionCheck.facility_id).in_(f.facility_ids))
    return [(check, name) for check, name in (await session.execute(statement)).all()]
