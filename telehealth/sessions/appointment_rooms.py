"""Rooms of video appointments (khám qua video): the practitioner hosts, the patient waits.

Only the appointment's own practitioner and patient may join, and only from a little
before the start until a while after the planned end: a visit often starts late or
runs over, and staff of the same facility have no business in it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.clock import to_local
from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Patient,
    Practitioner,
    Role,
    User,
    VisitMode,
)
from telehealth.sessions.access import RoomGrant, room_name
from telehealth.sessions.errors import RoomClosed, RoomNotOpenYet

OPENS_BEFORE_START = timedelta(minutes=15)
CLOSES_AFTER_END = timedelta(minutes=60)


def join_window(appointment: Appointment) -> tuple[datetime, datetime]:
    return appointment.start_at - OPENS_BEFORE_START, appointment.end_at + CLOSES_AFTER_END


def is_appointment_room_open(appointment: Appointment, now: datetime) -> bool:
    opens, closes = join_window(appointment)
    return (
        appointment.mode == VisitMode.video
        and appointment.status == AppointmentStatus.booked
        and opens <= now < closes
    )


async def _practitioner_name(session: AsyncSession, appointment: Appointment) -> str | None:
    row = (
        await session.execute(
            select(Practitioner, User)
            .join(User, col(User.id) == col(Practitioner.user_id))
            .where(col(Practitioner.id) == appointment.practitioner_id)
        )
    ).first()
    if row is None:
        return None
    practitioner, user = row
    return f"{practitioner.title} {user.full_name}".strip()


async def resolve_appointment_room(
    session: AsyncSession, actor: Actor, appointment_id: uuid.UUID, now: datetime
) -> RoomGrant | None:
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.mode != VisitMode.video:
        return None
    grant: RoomGrant | None = None
    room = room_name("appointment", appointment.id)
    if actor.role == Role.clinician:
        practitioner = await session.get(Practitioner, appointment.practitioner_id)
        if practitioner is not None and practitioner.user_id == actor.user_id:
            name = await _practitioner_name(session, appointment) or actor.user.full_name
            grant = RoomGrant(room=room, role="host", display_name=name)
    elif actor.role == Role.patient:
        patient = await session.get(Patient, appointment.patient_id)
        if patient is not None and patient.user_id == actor.user_id:
            grant = RoomGrant(room=room, role="guest", display_name=patient.full_name)
    if grant is None:
        return None
    if appointment.status != AppointmentStatus.booked:
        raise RoomClosed("sessions.errors.appointment_not_booked")
    opens, closes = join_window(appointment)
    if now < opens:
        opens_at = to_local(opens).strftime("%H:%M %d/%m/%Y")
        raise RoomNotOpenYet("sessions.errors.too_early", opens_at=opens_at)
    if now >= closes:
        raise RoomClosed("sessions.errors.too_late")
    return grant


async def is_appointment_room_closed(
    session: AsyncSession, appointment_id: uuid.UUID, now: datetime
) -> bool:
    appointment = await session.get(Appointment, appointment_id)
    return appointment is None or not is_appointment_room_open(appointment, now)


async def upcoming_video_visits(
    session: AsyncSession, actor: Actor, now: datetime, limit: int = 20
) -> list[Appointment]:
    """The caller's own booked video appointments whose room has not closed yet, soonest first."""
    stmt = select(Appointment).where(
        col(Appointment.mode) == VisitMode.video,
        col(Appointment.status) == AppointmentStatus.booked,
        col(Appointment.end_at) > now - CLOSES_AFTER_END,
    )
    if actor.role == Role.clinician:
        on_practitioner = col(Practitioner.id) == col(Appointment.practitioner_id)
        stmt = stmt.join(Practitioner, on_practitioner).where(
            col(Practitioner.user_id) == actor.user_id
        )
    elif actor.role == Role.patient:
        stmt = stmt.join(Patient, col(Patient.id) == col(Appointment.patient_id)).where(
            col(Patient.user_id) == actor.user_id
        )
    else:
        return []
    result = await session.execute(stmt.order_by(col(Appointment.start_at)).limit(limit))
    return list(result.scalars().all())
