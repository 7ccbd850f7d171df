"""Consents: list with current terms, withdraw, grant again; the page shows the state."""

from __future__ import annotations

import httpx

from telehealth.db import Database
from tests.booking.world import add_patient
from tests.fixtures.http import login, seeding, web_login


async def test_consents_list_withdraw_and_grant(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        user, _ = await add_patient(s)
    headers = await login(client, user.username)
    overview = (await client.get("/api/v1/patients/me/consents", headers=headers)).json()
    assert {s["kind"]: s["active"] for s in overview["statuses"]} == {
        "telemedicine": True,
        "data_processing": True,
    }
    assert "video" in overview["statuses"][0]["text"]

    withdrawn = await client.post(
        "/api/v1/patients/me/consents/telemedicine/withdraw", headers=headers
    )
    assert withdrawn.status_code == 200 and withdrawn.json()[0]["withdrawn_at"]
    twice = await client.post("/api/v1/patients/me/consents/telemedicine/withdraw", headers=headers)
    assert twice.status_code == 409
    granted = await client.post(
        "/api/v1/patients/me/consents", headers=headers, json={"kind": "telemedicine"}
    )
    assert granted.status_code == 201
    history = (await client.get("/api/v1/patients/me/consents", headers=headers)).json()["history"]
    assert len(history) == 3
    bad = await client.post(
        "/api/v1/patients/me/consents", headers=headers, json={"kind": "everything"}
    )
    assert bad.status_code == 422


async def test_consents_page_withdraws_with_csrf(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        user, _ = await add_patient(s)
    csrf = await web_login(client, user.username)
    page = await client.get("/consents")
    assert page.status_code == 200 and "Đồng ý khám, chữa bệnh từ xa" in page.text
    done = await client.post("/consents/telemedicine/withdraw", data={"csrf_token": csrf})
    assert done.status_code == 303
    after = await client.get(done.headers["location"])
    assert "Đã rút lại sự đồng ý." in after.text and "Chưa đồng ý hoặc đã rút lại" in after.text


async def test_consents_are_for_patients_only(client: httpx.AsyncClient, db: Database) -> None:
    from telehealth.models import Role
    from tests.fixtures import factories

    async with seeding(db) as s:
        doctor = await factories.user(s, Role.clinician)
    headers = await login(client, doctor.username)
    assert (await client.get("/api/v1/patients/me/consents", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/patients/me", headers=headers)).status_code == 403
