"""The clinician's agenda: their slots and the visits booked in them, for a day or a week."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.errors import NotFound, ValidationFailed
from telehealth.models import Practitioner
from telehealth.scheduling import repository
from telehealth.scheduling.expand import local_day_start
from telehealth.scheduling.schemas import Agenda, AgendaAppointment, AgendaEntry, AgendaPatient

MAX_AGENDA_DAYS = 31


async def practitioner_of(session: AsyncSession, actor: Actor) -> Practitioner:
    stmt = select(Practitioner).where(col(Practitioner.user_id) == actor.user_id)
    practitioner = (await session.execute(stmt)).scalar_one_or_none()
    if practitioner is None:
        raise NotFound("agenda.errors.no_practitioner")
    return practitioner


async def read_agenda(session: AsyncSession, actor: Actor, first: date, last: date) -> Agenda:
    """Slots of the calling clinician from `first` to `last` (local dates, both included).

    Patient names are patient data: each patient shown is an audited read, so a patient can
    later learn who saw that they had a visit.
    """
    if last < first:
        raise ValidationFailed("agenda.errors.range_order")
    if (last - first).days >= MAX_AGENDA_DAYS:
        raise ValidationFailed("agenda.errors.range_too_long", days=MAX_AGENDA_DAYS)
    practitioner = await practitioner_of(session, actor)
    rows = await repository.agenda_rows(
        session,
        practitioner.id,
        local_day_start(first),
        local_day_start(last + timedelta(days=1)),
    )
    entries: list[AgendaEntry] = []
    seen: dict[uuid.UUID, None] = {}  # insertion-ordered set
    for slot, appointment, patient in rows:
        booked = None
        if appointment is not None and patient is not None:
            booked = AgendaAppointment(
                id=appointment.id,
                status=str(appointment.status),
                mode=str(appointment.mode),
                reason=appointment.reason,
                patient=AgendaPatient(id=patient.id, full_name=patient.full_name),
            )
            seen.setdefault(patient.id)
        entries.append(
            AgendaEntry(
                slot_id=slot.id,
                start_at=slot.start_at,
                end_at=slot.end_at,
                slot_mode=str(slot.mode),
                appointment=booked,
            )
        )
    for patient_id in seen:
        record(
            session,
            actor,
            "patient.read",
            resource_type="Patient",
            resource_id=patient_id,
            patient_id=patient_id,
            purpose="clinician_agenda",
            detail={"from": first.isoformat(), "to": last.isoformat()},
        )
    return Agenda(practitioner_id=practitioner.id, from_date=first, to_date=last, entries=entries)
