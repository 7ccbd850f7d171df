"""Encounter summaries of video visits: the doctor writes and signs, the patient reads, the
Circular 30 notice is a warning worded for an incomplete list, never a refusal."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import Appointment, Patient, Role, VisitMode
from telehealth.terminology import remote_care_list
from tests.fixtures import factories
from tests.fixtures.http import login, seeding, web_login
from tests.records.conftest import Api


@pytest.fixture
async def visit(api: Api, db: Database, clock: FrozenClock) -> str:
    net = api.net
    async with seeding(db) as s:
        patient = await factories.patient(s)
        patient.user_id = net.user_ids["patient"]
        s.add(patient)
        appointment = Appointment(
            patient_id=patient.id, practitioner_id=net.practitioners["cardio"],
            facility_id=net.district.id, mode=VisitMode.video, start_at=clock.now(),
            end_at=clock.now() + timedelta(minutes=20), reason="Tái khám tăng huyết áp",
            booked_by_user_id=net.user_ids["patient"], created_at=clock.now(),
        )
        s.add(appointment)
        await s.flush()
        return str(appointment.id)


async def _draft(api: Api, visit: str, who: str = "cardio") -> dict:  # type: ignore[type-arg]
    response = await api.post(who, f"/records/appointments/{visit}/summary/draft")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _save(api: Api, draft: dict, codes: list[str]) -> dict:  # type: ignore[type-arg]
    content = dict(draft["content"], findings="Huyết áp 150/95 mmHg, không phù.",
                   advice="Tiếp tục amlodipin 5 mg, giảm muối.", diagnosis_codes=codes,
                   disposition="follow_up", follow_up_on="2026-12-21")
    response = await api.client.put(f"/api/v1/records/drafts/{draft['id']}", json=content,
                                    headers=await api.headers("cardio"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_doctor_signs_a_summary_and_the_patient_reads_it(api: Api, visit: str) -> None:
    draft = await _draft(api, visit)
    assert draft["content"]["started_at"].startswith("2026-11-23T01:00:00")
    saved = await _save(api, draft, ["I10"])
    assert saved["missing"] == []
    signed = await api.post("cardio", f"/records/drafts/{draft['id']}/sign")
    assert signed.status_code == 201, signed.text
    document = signed.json()

    mine = await api.get("patient", f"/records/appointments/{visit}/summary")
    assert mine.status_code == 200
    assert mine.json()["document"]["advice"] == "Tiếp tục amlodipin 5 mg, giảm muối."
    assert mine.json()["delivery"] is None  # the patient does not manage deliveries
    assert (await api.get("patient", f"/records/{document['id']}/pdf")).status_code == 200
    for outsider in ("cardio2", "requester", "province_admin"):
        assert (await api.get(outsider, f"/records/{document['id']}")).status_code == 404
    admin = await api.get("district_admin", f"/records/{document['id']}")
    assert admin.json()["delivery"]["status"] == "pending"


async def test_a_diagnosis_outside_the_remote_care_list_is_a_worded_warning(
    api: Api, visit: str
) -> None:
    assert remote_care_list().complete is False
    draft = await _draft(api, visit)
    saved = await _save(api, draft, ["I21.1"])  # acute MI: not in the rows we hold
    notice = saved["remote_care"]
    assert [c["code"] for c in notice["codes"]] == ["I21.1"]
    assert notice["list_complete"] is False
    assert saved["missing"] == []  # a notice, not a block
    signed = await api.post("cardio", f"/records/drafts/{draft['id']}/sign")
    assert signed.status_code == 201
    assert signed.json()["document"]["remote_care_check"]["not_found"] == ["I21.1"]


async def test_the_warning_is_shown_on_the_form_in_vietnamese(api: Api, visit: str) -> None:
    draft = await _draft(api, visit)
    await _save(api, draft, ["I21.1"])
    csrf = await web_login(api.client, api.net.usernames["cardio"])
    assert csrf
    page = await api.client.get(f"/records/appointments/{visit}/summary")
    assert page.status_code == 200
    assert "không tìm thấy trong danh mục bệnh được khám, chữa bệnh từ xa mà chúng tôi đang có" \
        in page.text
    assert "hãy đối chiếu Thông tư" in page.text


async def test_the_summary_form_offers_the_icd10_search_box(api: Api, visit: str) -> None:
    await web_login(api.client, api.net.usernames["cardio"])
    page = await api.client.get(f"/records/appointments/{visit}/summary")
    assert page.status_code == 200
    assert "Tìm mã bệnh (ICD-10)" in page.text
    assert 'data-icd-search data-icd-target="diagnosis_codes"' in page.text
    assert 'id="diagnosis_codes"' in page.text and 'id="icd-results"' in page.text
    assert '<script src="/static/js/icd-search.js" defer>' in page.text
    assert (await api.client.get("/static/js/icd-search.js")).status_code == 200


async def test_a_diagnosis_on_the_list_shows_no_warning(api: Api, visit: str) -> None:
    on_list = remote_care_list().entries[0].icd10[0].start  # E66 obesity, row 1
    draft = await _draft(api, visit)
    saved = await _save(api, draft, [on_list])
    assert saved["remote_care"] is None


async def test_only_the_visits_doctor_writes_its_summary(api: Api, visit: str) -> None:
    for who, expected in (("cardio2", 404), ("patient", 403), ("district_admin", 403)):
        response = await api.post(who, f"/records/appointments/{visit}/summary/draft")
        assert response.status_code == expected, (who, response.text)
    assert (await api.post("cardio", f"/records/appointments/{uuid.uuid4()}/summary/draft")
            ).status_code == 404


async def test_patients_see_only_their_own_summaries(api: Api, visit: str, db: Database) -> None:
    draft = await _draft(api, visit)
    await _save(api, draft, ["I10"])
    signed = (await api.post("cardio", f"/records/drafts/{draft['id']}/sign")).json()
    async with seeding(db) as s:
        other_user = await factories.user(s, Role.patient)
        other: Patient = await factories.patient(s, user_obj=other_user)
        assert other.user_id == other_user.id
    headers = await login(api.client, other_user.username)
    response = await api.client.get(f"/api/v1/records/{signed['id']}", headers=headers)
    assert response.status_code == 404
