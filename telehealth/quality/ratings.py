"""Patients rate their video visits: only the visit's own patient, only once it took place,
one rating per visit, which they may change for a day after giving it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.errors import Conflict, NotFound
from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Patient,
    SessionParticipation,
    VisitMode,
    VisitRating,
)

EDITABLE_FOR = timedelta(hours=24)
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class RatableVisit:
    appointment: Appointment
    patient: Patient
    rating: VisitRating | None

    def editable(self, now: datetime) -> bool:
        return self.rating is None or now < self.rating.created_at + EDITABLE_FOR


async def _patient_joined(
    session: AsyncSession, appointment: Appointment, user_id: uuid.UUID
) -> bool:
    """The visit took place for this patient: they were in its room."""
    room = f"appointment:{appointment.id}"
    result = await session.execute(
        select(col(SessionParticipation.id)).where(
            col(SessionParticipation.room) == room, col(SessionParticipation.user_id) == user_id
        )
    )
    return result.first() is not None


async def ratable_visit(
    session: AsyncSession, actor: Actor, appointment_id: uuid.UUID
) -> RatableVisit:
    """The caller's own video visit that took place; 404 for anything else (private)."""
    appointment = await session.get(Appointment, appointment_id)
    patient = await session.get(Patient, appointment.patient_id) if appointment else None
    if (
        appointment is None
        or patient is None
        or patient.user_id != actor.user_id
        or appointment.mode != VisitMode.video
        or appointment.status == AppointmentStatus.cancelled
        or not await _patient_joined(session, appointment, actor.user_id)
    ):
        raise NotFound("quality.errors.visit_not_found")
    rating = (
        await session.execute(
            select(VisitRating).where(col(VisitRating.appointment_id) == appointment.id)
        )
    ).scalar_one_or_none()
    return RatableVisit(appointment, patient, rating)


async def rate_visit(
    session: AsyncSession,
    actor: Actor,
    appointment_id: uuid.UUID,
    score: int,
    comment: str,
    now: datetime,
) -> tuple[VisitRating, bool]:
    """Store the rating; (rating, created). A second rating within a day replaces the first."""
    visit = await ratable_visit(session, actor, appointment_id)
    if now < visit.appointment.start_at:
        raise Conflict("quality.errors.visit_not_yet", code="visit_not_yet")
    comment = comment.strip()[:MAX_COMMENT_CHARS]
    rating = visit.rating
    created = rating is None
    if rating is None:
        rating = VisitRating(
            appointment_id=visit.appointment.id, patient_id=visit.patient.id,
            user_id=actor.user_id, facility_id=visit.appointment.facility_id,
            score=score, comment=comment, created_at=now, updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(rating)
        except IntegrityError:  # the same patient rating twice at once: one wins
            raise Conflict("quality.errors.already_rated", code="already_rated") from None
    elif not visit.editable(now):
        raise Conflict("quality.errors.rating_locked", code="rating_locked")
    else:
        rating.score, rating.comment, rating.updated_at = score, comment, now
    record(
        session, actor, "visit.rate" if created else "visit.rate.update",
        resource_type="Appointment", resource_id=visit.appointment.id,
        patient_id=visit.patient.id, detail={"score": score},
    )
    await session.flush()
    return rating, created


async def my_ratable_visits(
    session: AsyncSession, actor: Actor, now: datetime, limit: int = 20
) -> list[RatableVisit]:
    """The patient's recent video visits they took part in, with their rating if any."""
    rooms = (
        await session.execute(
            select(col(SessionParticipation.room))
            .where(col(SessionParticipation.user_id) == actor.user_id)
            .where(col(SessionParticipation.room).startswith("appointment:"))
            .order_by(col(SessionParticipation.last_joined_at).desc())
            .limit(limit)
        )
    ).scalars().all()
    ids: list[uuid.UUID] = []
    for room in rooms:
        try:
            ids.append(uuid.UUID(room.partition(":")[2]))
        except ValueError:
            continue
    if not ids:
        return []
    statement = (
        select(Appointment, Patient, VisitRating)
        .join(Patient, col(Patient.id) == col(Appointment.patient_id))
        .outerjoin(VisitRating, col(VisitRating.appointment_id) == col(Appointment.id))
        .where(col(Appointment.id).in_(ids), col(Patient.user_id) == actor.user_id)
        .where(col(Appointment.mode) == VisitMode.video, col(Appointment.start_at) <= now)
        .where(col(Appointment.status) != AppointmentStatus.cancelled)
        .order_by(col(Appointment.start_at).desc())
    )
    rows = (await session.execute(statement)).all()
    return [RatableVisit(a, p, r) for a, p, r in rows]
