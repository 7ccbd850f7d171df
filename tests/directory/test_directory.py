"""The public directory: searchable without login, only bookable doctors, no patient data."""

from __future__ import annotations

import httpx

from telehealth.db import Database
from telehealth.models import FacilityLevel, Role
from tests.booking.world import build_world
from tests.fixtures import factories
from tests.fixtures.http import seeding


async def test_facilities_search_by_name_province_level_and_specialty(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    async with seeding(db) as s:
        await factories.facility(s, level=FacilityLevel.commune, name="Trạm y tế xã Đạo Viện")
        await factories.facility(
            s, province_code="01", name="Bệnh viện Bạch Mai", level=FacilityLevel.central
        )
        await factories.facility(s, name="Cơ sở đã đóng", is_active=False)
    names = lambda r: [f["name"] for f in r.json()]  # noqa: E731
    assert names(await client.get("/api/v1/facilities", params={"q": "bach mai"})) == [
        "Bệnh viện Bạch Mai"
    ]
    assert names(await client.get("/api/v1/facilities", params={"q": "dao vien"})) == [
        "Trạm y tế xã Đạo Viện"
    ]
    by_level = await client.get("/api/v1/facilities", params={"level": "commune"})
    assert names(by_level) == ["Trạm y tế xã Đạo Viện"]
    by_province = await client.get("/api/v1/facilities", params={"province_code": "01"})
    assert names(by_province) == ["Bệnh viện Bạch Mai"]
    by_specialty = await client.get(
        "/api/v1/facilities", params={"specialty_id": str(world.specialty.id)}
    )
    assert names(by_specialty) == [world.facility.name]
    assert "Cơ sở đã đóng" not in names(await client.get("/api/v1/facilities"))


async def test_facility_detail_shows_specialties_and_booking_rules(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, booking_horizon_days=14)
    r = await client.get(f"/api/v1/facilities/{world.facility.id}")
    assert r.status_code == 200
    assert r.json()["booking_rules"]["horizon_days"] == 14
    assert [s["name_vi"] for s in r.json()["specialties"]] == ["Tim mạch"]
    missing = await client.get("/api/v1/facilities/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


async def test_practitioners_lists_only_bookable_doctors_with_public_fields(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    async with seeding(db) as s:
        off = await factories.practitioner(s, world.facility.id)
        off.accepts_online_booking = False
        gone = await factories.practitioner(s, world.facility.id)
        gone.is_active = False
    r = await client.get("/api/v1/practitioners", params={"facility_id": str(world.facility.id)})
    assert r.status_code == 200
    doctors = r.json()
    assert [d["id"] for d in doctors] == [str(world.practitioner.id)]
    assert set(doctors[0]) == {"id", "full_name", "title", "specialties", "facility"}
    assert doctors[0]["title"] == "BSCKII"
    by_specialty = await client.get(
        "/api/v1/practitioners", params={"specialty_id": str(world.specialty.id)}
    )
    assert len(by_specialty.json()) == 1
    by_name = await client.get("/api/v1/practitioners", params={"q": "minh"})
    assert [d["full_name"] for d in by_name.json()] == ["Trần Văn Minh"]
    text = r.text + (await client.get("/api/v1/facilities")).text
    for patient_user, patient in world.patients:
        assert patient.national_id not in text and patient_user.username not in text


async def test_directory_needs_no_login_but_rejects_a_bad_token(
    client: httpx.AsyncClient, db: Database
) -> None:
    await build_world(db)
    assert (await client.get("/api/v1/specialties")).status_code == 200
    bad = await client.get("/api/v1/specialties", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    async with seeding(db) as s:
        await factories.user(s, Role.patient)
    too_long = await client.get("/api/v1/facilities", params={"q": "x" * 101})
    assert too_long.status_code == 422
