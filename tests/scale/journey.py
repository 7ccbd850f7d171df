"""A referral network in a scratch database, and the consultations API spoken over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import FacilityLevel, PractitionerSpecialty, ReferralLink, Role
from tests.fixtures import factories
from tests.fixtures.http import login, seeding
from tests.scale.databases import app_url

PATIENT_CCCD = "001090067890"


@dataclass
class People:
    usernames: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    patient_id: str = ""
    specialty_id: str = ""


async def seed_network(libpq_url: str) -> People:
    """A commune station asking its district centre (cardiology), with emails for both."""
    db = Database(Settings(environment="test", database_url=app_url(libpq_url)))
    people = People()
    try:
        async with seeding(db) as s:
            station = await factories.facility(s, level=FacilityLevel.commune,
                                               name="Trạm Y tế xã An")
            district = await factories.facility(s, level=FacilityLevel.district,
                                                name="Trung tâm Y tế khu vực Yên Sơn")
            s.add(ReferralLink(from_facility_id=station.id, to_facility_id=district.id, rank=1))
            cardiology = await factories.specialty(s, name="Tim mạch")
            people.specialty_id = str(cardiology.id)
            for key, facility in (("requester", station), ("cardio", district)):
                user = await factories.user(s, Role.clinician, facility_id=facility.id,
                                            username=f"{key}.{uuid.uuid4().hex[:6]}",
                                            full_name=f"BS {key}")
                user.email = f"{user.username}@example.vn"
                practitioner = await factories.practitioner(s, facility.id, user_obj=user)
                if key == "cardio":
                    s.add(PractitionerSpecialty(practitioner_id=practitioner.id,
                                                specialty_id=cardiology.id))
                people.usernames[key], people.emails[key] = user.username, str(user.email)
            patient = await factories.patient(s, national_id=PATIENT_CCCD)
            people.patient_id = str(patient.id)
    finally:
        await db.dispose()
    return people


class Clinician:
    """One person logged in on one server (the load balancer sent them there)."""

    def __init__(self, base_url: str, username: str) -> None:
        self.root = base_url
        self.client = httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=30)
        self.username = username
        self.headers: dict[str, str] = {}

    async def __aenter__(self) -> Clinician:
        async with httpx.AsyncClient(base_url=self.root, timeout=30) as c:
            self.headers = await login(c, self.username)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def post(self, path: str, body: Any = None, expect: int = 200) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()  # type: ignore[no-any-return]

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path, headers=self.headers)


def consultation_request(people: People) -> dict[str, Any]:
    return {
        "patient_id": people.patient_id,
        "consent_obtained": True,
        "activity": "remote_consultation",
        "urgency": "urgent",
        "specialty_id": people.specialty_id,
        "reason": "Đau ngực trái 2 giờ",
        "history": "Tăng huyết áp 10 năm",
        "diagnosis_codes": ["I20.0"],
        "questions": ["Có cần chuyển tuyến ngay không?"],
        "submit": True,
    }
