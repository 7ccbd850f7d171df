"""A small referral network (commune station → district → province → central) with the
people who work in it, and a client that speaks the consultations API as each of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import (
    Facility,
    FacilityLevel,
    Practitioner,
    PractitionerSpecialty,
    ReferralLink,
    Role,
    Specialty,
)
from tests.fixtures import factories
from tests.fixtures.http import login, seeding


@dataclass
class Network:
    station: Facility  # trạm y tế xã: the requesting side
    district: Facility  # rank-1 upper level: the default consulting facility
    province: Facility  # rank-2 alternative, and a higher level to forward to
    central: Facility  # a higher level, not linked from the station
    other_station: Facility  # unrelated requesting facility
    cardiology: Specialty
    dermatology: Specialty
    usernames: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    practitioners: dict[str, uuid.UUID] = field(default_factory=dict)
    patient_id: uuid.UUID | None = None
    patient_cccd: str = "001090012345"


async def _clinician(
    s: Any, net: Network, key: str, facility: Facility, specialty: Specialty | None
) -> None:
    user = await factories.user(s, Role.clinician, facility_id=facility.id,
                                username=f"{key}.{uuid.uuid4().hex[:6]}", full_name=f"BS {key}")
    practitioner: Practitioner = await factories.practitioner(s, facility.id, user_obj=user)
    if specialty is not None:
        s.add(PractitionerSpecialty(practitioner_id=practitioner.id, specialty_id=specialty.id))
    net.usernames[key] = user.username
    net.user_ids[key] = user.id
    net.practitioners[key] = practitioner.id


@pytest.fixture
async def net(db: Database) -> Network:
    async with seeding(db) as s:
        station = await factories.facility(s, level=FacilityLevel.commune, name="Trạm Y tế xã An")
        district = await factories.facility(s, level=FacilityLevel.district,
                                            name="Trung tâm Y tế khu vực Yên Sơn")
        province = await factories.facility(s, level=FacilityLevel.provincial,
                                            name="Bệnh viện Đa khoa tỉnh Tuyên Quang")
        central = await factories.facility(s, level=FacilityLevel.central,
                                           name="Bệnh viện Bạch Mai")
        other = await factories.facility(s, level=FacilityLevel.commune, name="Trạm Y tế xã Bình")
        s.add(ReferralLink(from_facility_id=station.id, to_facility_id=district.id, rank=1))
        s.add(ReferralLink(from_facility_id=station.id, to_facility_id=province.id, rank=2))
        s.add(ReferralLink(from_facility_id=district.id, to_facility_id=province.id, rank=1))
        cardiology = await factories.specialty(s, name="Tim mạch")
        dermatology = await factories.specialty(s, name="Da liễu")
        n = Network(station, district, province, central, other, cardiology, dermatology)
        await _clinician(s, n, "requester", station, None)
        await _clinician(s, n, "station2", station, None)
        await _clinician(s, n, "cardio", district, cardiology)
        await _clinician(s, n, "cardio2", district, cardiology)
        await _clinician(s, n, "derma", district, dermatology)
        await _clinician(s, n, "prov_cardio", province, cardiology)
        await _clinician(s, n, "central_cardio", central, cardiology)
        await _clinician(s, n, "prov_radiology", province, None)
        await _clinician(s, n, "outsider", other, None)
        for key, role, facility_id in (
            ("district_admin", Role.facility_admin, district.id),
            ("province_admin", Role.facility_admin, province.id),
            ("regulator", Role.regulator, None),
        ):
            province_code = "08" if key == "regulator" else None
            u = await factories.user(s, role, facility_id=facility_id,
                                     jurisdiction_province_code=province_code)
            n.usernames[key], n.user_ids[key] = u.username, u.id
        patient_user = await factories.user(s, Role.patient)
        n.usernames["patient"], n.user_ids["patient"] = patient_user.username, patient_user.id
        patient = await factories.patient(s, national_id=n.patient_cccd)
        n.patient_id = patient.id
    return n


class Api:
    """The API as each person of the network: `await api.post("cardio", path, json=...)`."""

    def __init__(self, client: httpx.AsyncClient, net: Network) -> None:
        self.client = client
        self.net = net
        self._headers: dict[str, dict[str, str]] = {}

    async def headers(self, who: str) -> dict[str, str]:
        if who not in self._headers:
            self._headers[who] = await login(self.client, self.net.usernames[who])
        return self._headers[who]

    def forget_logins(self) -> None:
        """After the clock jumps past the token lifetime (12 h), log in again."""
        self._headers.clear()

    async def get(self, who: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(f"/api/v1{path}", headers=await self.headers(who), **kwargs)

    async def post(self, who: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.post(f"/api/v1{path}", headers=await self.headers(who), **kwargs)

    async def act(self, who: str, cid: str, action: str, body: Any = None) -> httpx.Response:
        return await self.post(who, f"/consultations/{cid}/{action}", json=body)

    async def conclude(
        self, who: str, cid: str, answers: dict[str, str] | None = None,
        summary: str = "Kết luận", recommendations: str = "",
    ) -> httpx.Response:
        """Conclude the only way there is: write the minutes and sign them (records API).

        `answers` by question id; by default every question gets "Có".
        """
        draft = await self.post(who, f"/records/consultations/{cid}/minutes/draft")
        if draft.status_code != 200:
            return draft
        opened = draft.json()
        content = opened["content"]
        given = answers if answers is not None else {
            a["question_id"]: "Có" for a in content["answers"]}
        content.update({
            "started_at": "2026-11-23T01:00:00Z", "ended_at": "2026-11-23T01:20:00Z",
            "answers": [{"question_id": q, "conclusion": text} for q, text in given.items()],
            "conclusion": summary, "recommendations": recommendations,
            "diagnosis_codes": content["diagnosis_codes"] or ["I10"],
            "disposition": "manage_at_station",
        })
        saved = await self.client.put(f"/api/v1/records/drafts/{opened['id']}", json=content,
                                      headers=await self.headers(who))
        if saved.status_code != 200:
            return saved
        return await self.post(who, f"/records/drafts/{opened['id']}/sign")

    def body(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "patient_id": str(self.net.patient_id),
            "consent_obtained": True,
            "activity": "remote_consultation",
            "urgency": "urgent",
            "specialty_id": str(self.net.cardiology.id),
            "reason": "Đau ngực trái 2 giờ",
            "history": "Tăng huyết áp 10 năm",
            "vitals": {"bp_systolic": 160, "bp_diastolic": 95, "pulse": 102, "spo2": 95},
            "diagnosis_codes": ["I20.0", "i10"],
            "questions": ["Có cần chuyển tuyến ngay không?", "Xử trí ban đầu?"],
        }
        data.update(overrides)
        return data

    async def open(self, *, submit: bool = True, **overrides: Any) -> dict[str, Any]:
        response = await self.post("requester", "/consultations",
                                   json=self.body(submit=submit, **overrides))
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def api(client: httpx.AsyncClient, net: Network) -> Api:
    return Api(client, net)


@pytest.fixture
def job_context(app: FastAPI) -> JobContext:
    return JobContext(app.state.db, app.state.settings, app.state.clock, app.state.bus)
