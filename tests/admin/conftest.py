"""Two facilities in one province, an admin for each, a practitioner in each."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from telehealth.db import Database
from telehealth.models import FacilityLevel, FacilitySpecialty, Practitioner, Role, Specialty
from tests.fixtures import factories
from tests.fixtures.http import login, seeding


@dataclass
class World:
    facility_a: object
    facility_b: object
    doctor_a: Practitioner
    doctor_b: Practitioner
    internal: Specialty
    pediatrics: Specialty
    admin_a: dict[str, str]


@pytest.fixture
async def world(client: httpx.AsyncClient, db: Database) -> World:
    async with seeding(db) as s:
        fac_a = await factories.facility(s, name="Bệnh viện A", level=FacilityLevel.provincial)
        fac_b = await factories.facility(s, name="Trung tâm Y tế B", level=FacilityLevel.district)
        internal = await factories.specialty(s, code="noi", name="Nội tổng quát")
        pediatrics = await factories.specialty(s, code="nhi", name="Nhi")
        s.add(FacilitySpecialty(facility_id=fac_a.id, specialty_id=internal.id))
        await factories.user(s, Role.facility_admin, facility_id=fac_a.id, username="qt.a")
        await factories.user(s, Role.facility_admin, facility_id=fac_b.id, username="qt.b")
        doc_a_user = await factories.user(
            s, Role.clinician, facility_id=fac_a.id, username="bs.a", full_name="Trần Văn An"
        )
        doc_a = await factories.practitioner(s, fac_a.id, user_obj=doc_a_user)
        doc_b = await factories.practitioner(s, fac_b.id)
    return World(fac_a, fac_b, doc_a, doc_b, internal, pediatrics, await login(client, "qt.a"))


RULE = {
    "weekday": 1,
    "start_time": "08:00",
    "end_time": "10:00",
    "slot_minutes": 30,
    "mode": "both",
    "valid_from": "2026-11-01",
    "valid_until": None,
}
