"""A small bookable world for booking tests: a facility, a doctor, slots and patients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.db import Database
from telehealth.models import (
    Consent,
    ConsentKind,
    Facility,
    Patient,
    Practitioner,
    PractitionerSpecialty,
    Role,
    Slot,
    SlotMode,
    Specialty,
    User,
)
from telehealth.patients.terms import TERMS_VERSION
from tests.conftest import T0
from tests.fixtures import factories
from tests.fixtures.http import seeding

# The first slot starts on Tuesday 24 November 2026 at 09:00 Vietnam time, 25 hours after T0.
FIRST_SLOT = T0 + timedelta(hours=25)


@dataclass
class World:
    facility: Facility
    practitioner: Practitioner
    doctor: User
    specialty: Specialty
    slots: list[Slot]
    patients: list[tuple[User, Patient]] = field(default_factory=list)

    @property
    def patient_user(self) -> User:
        return self.patients[0][0]


async def add_slot(
    session: AsyncSession,
    practitioner: Practitioner,
    start: datetime,
    mode: SlotMode = SlotMode.both,
    minutes: int = 20,
) -> Slot:
    slot = Slot(
        practitioner_id=practitioner.id,
        facility_id=practitioner.facility_id,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        mode=mode,
    )
    session.add(slot)
    await session.flush()
    return slot


async def add_patient(
    session: AsyncSession, *, username: str | None = None, telemedicine: bool = True
) -> tuple[User, Patient]:
    user = await factories.user(session, Role.patient, username=username)
    patient = await factories.patient(session, user_obj=user)
    kinds = [ConsentKind.data_processing] + ([ConsentKind.telemedicine] if telemedicine else [])
    for kind in kinds:
        session.add(
            Consent(
                patient_id=patient.id,
                kind=kind,
                terms_version=TERMS_VERSION,
                method="online",
                granted_at=T0 - timedelta(days=30),
            )
        )
    await session.flush()
    return user, patient


async def build_world(
    db: Database,
    *,
    slots: int = 6,
    patients: int = 1,
    mode: SlotMode = SlotMode.both,
    slot_start: datetime = FIRST_SLOT,
    **facility_fields: object,
) -> World:
    async with seeding(db) as s:
        facility = await factories.facility(
            s,
            name="Bệnh viện Đa khoa tỉnh Tuyên Quang",
            address="Đường 17/8, Tuyên Quang",
            **facility_fields,
        )
        specialty = await factories.specialty(s, name="Tim mạch")
        doctor = await factories.user(
            s, Role.clinician, facility_id=facility.id, full_name="Trần Văn Minh"
        )
        practitioner = await factories.practitioner(s, facility.id, user_obj=doctor)
        practitioner.title = "BSCKII"
        s.add(PractitionerSpecialty(practitioner_id=practitioner.id, specialty_id=specialty.id))
        made = [
            await add_slot(s, practitioner, slot_start + timedelta(minutes=20 * i), mode)
            for i in range(slots)
        ]
        world = World(facility, practitioner, doctor, specialty, made)
        for _ in range(patients):
            world.patients.append(await add_patient(s))
    return world
