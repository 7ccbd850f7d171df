"""Builders for scheduling tests: a practitioner with weekly rules, a booked appointment."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Practitioner,
    Role,
    ScheduleRule,
    Slot,
    SlotMode,
    VisitMode,
)
from tests.fixtures import factories
from tests.fixtures.factories import EPOCH


async def rule(
    session: AsyncSession,
    practitioner: Practitioner,
    *,
    weekday: int = 0,
    start: time = time(8, 0),
    end: time = time(10, 0),
    slot_minutes: int = 30,
    mode: SlotMode = SlotMode.both,
    valid_from: date = date(2026, 1, 1),
    valid_until: date | None = None,
) -> ScheduleRule:
    r = ScheduleRule(
        practitioner_id=practitioner.id,
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        mode=mode,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=EPOCH,
    )
    session.add(r)
    await session.flush()
    return r


async def book(
    session: AsyncSession,
    slot: Slot,
    *,
    mode: VisitMode = VisitMode.video,
    status: AppointmentStatus = AppointmentStatus.booked,
    reason: str = "Đau đầu kéo dài",
) -> Appointment:
    patient_user = await factories.user(session, Role.patient)
    patient = await factories.patient(session, user_obj=patient_user)
    appointment = Appointment(
        slot_id=slot.id,
        patient_id=patient.id,
        practitioner_id=slot.practitioner_id,
        facility_id=slot.facility_id,
        mode=mode,
        status=status,
        start_at=slot.start_at,
        end_at=slot.end_at,
        reason=reason,
        booked_by_user_id=patient_user.id,
        created_at=EPOCH,
    )
    session.add(appointment)
    await session.flush()
    return appointment


async def slots_of(session: AsyncSession, practitioner_id: uuid.UUID) -> list[Slot]:
    stmt = select(Slot).where(Slot.practitioner_id == practitioner_id).order_by(Slot.start_at)
    return list((await session.execute(stmt)).scalars().all())


async def slot_at(session: AsyncSession, practitioner_id: uuid.UUID, start_at: datetime) -> Slot:
    stmt = select(Slot).where(Slot.practitioner_id == practitioner_id, Slot.start_at == start_at)
    return (await session.execute(stmt)).scalar_one()


async def count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
