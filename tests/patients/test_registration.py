"""Self-registration: validated identifiers, explicit consents, duplicates refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from telehealth.db import Database
from telehealth.models import AuditEvent, Consent, Patient, User
from telehealth.patients.terms import TERMS_VERSION
from tests.fixtures.http import seeding

VALID: dict[str, Any] = {
    "full_name": "Nguyễn Thị Lan",
    "national_id": "008190012345",
    "health_insurance_number": "GD4080123456789",
    "date_of_birth": "1990-05-17",
    "sex": "female",
    "phone": "0912 345 678",
    "email": "lan@example.vn",
    "address": "Tổ 5, phường Minh Xuân",
    "password": "mat-khau-du-dai",
    "consent_telemedicine": True,
    "consent_data_processing": True,
}


async def _counts(db: Database) -> tuple[int, int, int]:
    counts = []
    async with seeding(db) as s:
        for model in (User, Patient, Consent):
            counts.append((await s.execute(select(func.count()).select_from(model))).scalar_one())
    return counts[0], counts[1], counts[2]


async def test_registration_creates_account_record_and_consents(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await client.post("/api/v1/patients/register", json=VALID)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["patient"]["national_id"] == "008190012345"
    assert body["patient"]["phone"] == "0912345678"
    assert sorted(body["consents"]) == ["data_processing", "telemedicine"]
    async with seeding(db) as s:
        user = (await s.execute(select(User))).scalar_one()
        consents = (await s.execute(select(Consent))).scalars().all()
        events = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert user.username == "0912345678" and user.role == "patient"
    assert user.password_hash.startswith("$argon2")
    assert {c.terms_version for c in consents} == {TERMS_VERSION}
    assert "patient.register" in events
    token = await client.post(
        "/api/v1/auth/token", json={"username": "0912345678", "password": VALID["password"]}
    )
    me = await client.get(
        "/api/v1/patients/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["full_name"] == "Nguyễn Thị Lan"


async def test_telemedicine_consent_is_optional_and_data_consent_required(
    client: httpx.AsyncClient, db: Database
) -> None:
    no_data = await client.post(
        "/api/v1/patients/register", json={**VALID, "consent_data_processing": False}
    )
    assert no_data.status_code == 422
    assert [d["field"] for d in no_data.json()["error"]["details"]] == ["consent_data_processing"]
    assert await _counts(db) == (0, 0, 0)
    no_tele = await client.post(
        "/api/v1/patients/register", json={**VALID, "consent_telemedicine": False}
    )
    assert no_tele.status_code == 201 and no_tele.json()["consents"] == ["data_processing"]


@pytest.mark.parametrize(
    ("change", "field", "key"),
    [
        ({"national_id": "12345"}, "national_id", "patients.errors.cccd_format"),
        ({"national_id": "003190012345"}, "national_id", "patients.errors.cccd_province"),
        ({"national_id": "008185012345"}, "national_id", "patients.errors.cccd_birth_year"),
        ({"national_id": "008090012345"}, "national_id", "patients.errors.cccd_sex"),
        (
            {"health_insurance_number": "XX123"},
            "health_insurance_number",
            "patients.errors.bhyt_format",
        ),
        ({"phone": "12345678901"}, "phone", "patients.errors.phone_format"),
        (
            {"date_of_birth": "2027-01-01", "national_id": "008327012345"},
            "date_of_birth",
            "patients.errors.dob_future",
        ),
        (
            {"date_of_birth": "1890-01-01", "national_id": "008190012345"},
            "date_of_birth",
            "patients.errors.dob_implausible",
        ),
    ],
)
async def test_malformed_identifiers_are_422_and_store_nothing(
    client: httpx.AsyncClient, db: Database, change: dict[str, Any], field: str, key: str
) -> None:
    response = await client.post("/api/v1/patients/register", json={**VALID, **change})
    assert response.status_code == 422
    details = {d["field"]: d["type"] for d in response.json()["error"]["details"]}
    assert details[field] == key
    assert await _counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "change",
    [
        {"date_of_birth": "17/05/1990"},
        {"full_name": "x" * 121},
        {"address": "y" * 301},
        {"password": "short"},
        {"email": "not-an-email"},
        {"sex": "robot"},
        {"consent_telemedicine": "maybe"},
        {"national_id": 8190012345},
        {"role": "system_admin"},
    ],
)
async def test_wrong_types_and_oversized_fields_are_422(
    client: httpx.AsyncClient, db: Database, change: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/patients/register", json={**VALID, **change})
    assert response.status_code == 422, response.text
    assert await _counts(db) == (0, 0, 0)


async def test_legacy_and_new_insurance_numbers_are_accepted(client: httpx.AsyncClient) -> None:
    ten_digit = await client.post(
        "/api/v1/patients/register", json={**VALID, "health_insurance_number": "0801234567"}
    )
    assert ten_digit.status_code == 201
    assert ten_digit.json()["patient"]["health_insurance_number"] == "0801234567"


async def test_duplicate_phone_or_cccd_is_409_and_stores_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    assert (await client.post("/api/v1/patients/register", json=VALID)).status_code == 201
    same_phone = await client.post(
        "/api/v1/patients/register", json={**VALID, "national_id": "008190054321"}
    )
    assert same_phone.status_code == 409
    assert same_phone.json()["error"]["code"] == "duplicate_phone"
    same_cccd = await client.post(
        "/api/v1/patients/register", json={**VALID, "phone": "0987654321"}
    )
    assert same_cccd.status_code == 409
    assert same_cccd.json()["error"]["code"] == "duplicate_cccd"
    assert "CCCD" in same_cccd.json()["error"]["message"]
    assert await _counts(db) == (1, 1, 2)


async def test_profile_update_changes_contact_details_and_login(
    client: httpx.AsyncClient, db: Database
) -> None:
    await client.post("/api/v1/patients/register", json=VALID)
    token = (
        await client.post(
            "/api/v1/auth/token", json={"username": "0912345678", "password": VALID["password"]}
        )
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    bad = await client.patch("/api/v1/patients/me", headers=headers, json={"phone": "123"})
    assert bad.status_code == 422
    identity = await client.patch("/api/v1/patients/me", headers=headers, json={"national_id": "0"})
    assert identity.status_code == 422
    ok = await client.patch(
        "/api/v1/patients/me",
        headers=headers,
        json={"phone": "+84 987 654 321", "address": "Số 2, Hà Nội", "email": None},
    )
    assert ok.status_code == 200
    assert ok.json()["phone"] == "0987654321" and ok.json()["email"] is None
    relogin = await client.post(
        "/api/v1/auth/token", json={"username": "0987654321", "password": VALID["password"]}
    )
    assert relogin.status_code == 200
