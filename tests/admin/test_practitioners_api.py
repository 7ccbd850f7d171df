"""Practitioner, specialty and booking-rule administration through the API."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from telehealth.db import Database
from telehealth.models import AuditEvent, Facility, Practitioner, Slot
from tests.admin.conftest import RULE, World
from tests.fixtures.http import login, seeding
from tests.scheduling.helpers import book, count, slots_of

NEW = {
    "username": "BS.Dinh.Hoa",
    "password": "mat-khau-tam-1",
    "full_name": "Đinh Thị Hoa",
    "title": "BSCKI",
    "practice_certificate_number": "005678/TQ-CCHN",
    "practice_scope": "Khám bệnh, chữa bệnh chuyên khoa Nội",
    "specialty_ids": [],
    "phone": "+84 912 345 678",
}


async def test_created_clinician_can_log_in_and_is_audited(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    body = {**NEW, "specialty_ids": [str(world.internal.id)]}
    response = await client.post("/api/v1/admin/practitioners", headers=world.admin_a, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == "bs.dinh.hoa" and created["phone"] == "0912345678"
    assert [s["code"] for s in created["specialties"]] == ["noi"]
    me = await client.get(
        "/api/v1/me", headers=await login(client, "bs.dinh.hoa", "mat-khau-tam-1")
    )
    assert me.json()["role"] == "clinician"
    async with seeding(db) as s:
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert "practitioner.create" in actions


async def test_specialty_not_offered_and_duplicate_cchn_are_refused(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    not_offered = await client.post(
        "/api/v1/admin/practitioners",
        headers=world.admin_a,
        json={**NEW, "specialty_ids": [str(world.pediatrics.id)]},
    )
    assert not_offered.status_code == 422
    taken = await client.post(
        "/api/v1/admin/practitioners",
        headers=world.admin_a,
        json={**NEW, "practice_certificate_number": world.doctor_b.practice_certificate_number},
    )
    assert taken.status_code == 409
    async with seeding(db) as s:
        assert await count(s, Practitioner) == 2


async def test_deactivation_withdraws_free_slots_keeps_booked_and_blocks_login(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=world.admin_a, json=RULE
    )
    async with seeding(db) as s:
        appointment = await book(s, (await slots_of(s, world.doctor_a.id))[2])
    response = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/deactivate", headers=world.admin_a
    )
    assert response.status_code == 200
    report = response.json()
    assert report["deleted"] == 31
    assert [(c["appointment_id"], c["reason"]) for c in report["conflicts"]] == [
        (str(appointment.id), "practitioner_inactive")
    ]
    denied = await client.post(
        "/api/v1/auth/token", json={"username": "bs.a", "password": "matkhau-test-123"}
    )
    assert denied.status_code == 401
    async with seeding(db) as s:
        assert await count(s, Slot) == 1
    back = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/activate", headers=world.admin_a
    )
    assert back.json()["created"] == 31 and back.json()["conflicts"] == []


async def test_booking_rules_are_saved_and_bounded_by_the_slot_horizon(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    rules = {
        "booking_horizon_days": 42,
        "booking_min_notice_minutes": 30,
        "cancel_min_notice_minutes": 240,
    }
    saved = await client.put(
        "/api/v1/admin/facility/booking-rules", headers=world.admin_a, json=rules
    )
    assert saved.status_code == 200 and saved.json()["booking_horizon_days"] == 42
    too_far = await client.put(
        "/api/v1/admin/facility/booking-rules",
        headers=world.admin_a,
        json={**rules, "booking_horizon_days": 90},
    )
    assert too_far.status_code == 422
    assert "56 ngày" in too_far.json()["error"]["message"]
    async with seeding(db) as s:
        facility = await s.get(Facility, world.facility_a.id)  # type: ignore[attr-defined]
    assert facility is not None and facility.booking_horizon_days == 42


async def test_specialties_offer_and_withdraw(client: httpx.AsyncClient, world: World) -> None:
    url = f"/api/v1/admin/specialties/{world.pediatrics.id}"
    assert (await client.put(url, headers=world.admin_a)).status_code == 204
    assert (await client.put(url, headers=world.admin_a)).status_code == 204  # idempotent
    listed = await client.get("/api/v1/admin/specialties", headers=world.admin_a)
    offered = {s["code"] for s in listed.json() if s["offered"]}
    assert offered == {"noi", "nhi"}
    assert (await client.delete(url, headers=world.admin_a)).status_code == 204
    await client.put(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}",
        headers=world.admin_a,
        json={"full_name": "Trần Văn An", "specialty_ids": [str(world.internal.id)]},
    )
    in_use = await client.delete(
        f"/api/v1/admin/specialties/{world.internal.id}", headers=world.admin_a
    )
    assert in_use.status_code == 409
