"""The demo province loads once, holds valid data and live consultations, and is refused in
production."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.demo import DEMO_PASSWORD, LOGINS, load_demo, logins_table
from telehealth.models import (
    Appointment,
    Facility,
    FacilityLevel,
    LiveSession,
    Patient,
    ReferralLink,
    Role,
    Slot,
    User,
)
from telehealth.patients.identifiers import validate_cccd
from tests.fixtures.http import login, seeding

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"


async def _row_counts(db: Database) -> dict[str, int]:
    async with seeding(db) as s:
        return {
            t.name: int((await s.execute(select(func.count()).select_from(t))).scalar_one())
            for t in SQLModel.metadata.sorted_tables
        }


async def test_demo_loads_once_and_twice_changes_nothing(
    settings: Settings, db: Database, clock: FrozenClock
) -> None:
    assert await load_demo(settings, clock=clock) is True
    first = await _row_counts(db)
    assert await load_demo(settings, clock=clock) is False
    assert await _row_counts(db) == first
    assert first["facility"] == 11 and first["appointment"] == 4 and first["slot"] > 500
    # The consultations were played through the domain's services: timeline and audit are real.
    assert first["consultation_request"] == 5 and first["consultation_event"] == 16
    assert first["audit_event"] > first["consultation_event"]


async def test_demo_has_the_province_network_and_valid_patients(
    settings: Settings, db: Database, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    async with seeding(db) as s:
        facilities = (await s.execute(select(Facility))).scalars().all()
        links = (await s.execute(select(ReferralLink))).scalars().all()
        patients = (await s.execute(select(Patient))).scalars().all()
        appointments = (await s.execute(select(Appointment))).scalars().all()
        slots = {sl.id: sl for sl in (await s.execute(select(Slot))).scalars().all()}
    assert sorted(f.name for f in facilities if f.level == FacilityLevel.district) == [
        "Trung tâm Y tế khu vực Hàm Yên",
        "Trung tâm Y tế khu vực Yên Sơn",
    ]
    levels = sorted(str(f.level) for f in facilities)
    assert levels.count("commune") == 8 and levels.count("district") == 2
    assert levels.count("provincial") == 1
    assert all(f.code.startswith("08") and len(f.code) == 5 for f in facilities)
    by_id = {f.id: f for f in facilities}
    for station in (f for f in facilities if f.level == FacilityLevel.commune):
        ranks = {
            link.rank: by_id[link.to_facility_id].level
            for link in links
            if link.from_facility_id == station.id
        }
        assert ranks == {1: "district", 2: "provincial"}
    for p in patients:
        assert p.national_id is not None
        validate_cccd(p.national_id, date_of_birth=p.date_of_birth, sex=str(p.sex))
    for a in appointments:  # every demo visit sits in a slot that allows its mode
        assert a.slot_id is not None
        assert str(slots[a.slot_id].mode) in (str(a.mode), "both")
        assert a.start_at >= clock.now()


async def test_every_listed_demo_login_works(
    client: httpx.AsyncClient, settings: Settings, db: Database, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    for entry in LOGINS:
        headers = await login(client, entry.username, DEMO_PASSWORD)
        me = (await client.get("/api/v1/me", headers=headers)).json()
        assert me["role"] == entry.role
    async with seeding(db) as s:
        provincial = (
            await s.execute(select(User).where(col(User.username) == "syt.tuyenquang"))
        ).scalar_one()
    assert provincial.role == Role.regulator and provincial.jurisdiction_province_code == "08"


async def test_demo_clinician_sees_a_booked_visit_in_the_agenda(
    client: httpx.AsyncClient, settings: Settings, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    headers = await login(client, "bs.hung", DEMO_PASSWORD)
    agenda = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-23&to=2026-11-29", headers=headers
    )
    booked = [e for e in agenda.json()["entries"] if e["appointment"]]
    assert [b["appointment"]["patient"]["full_name"] for b in booked] == [
        "Nguyễn Văn Bình",
        "Ma Thị Lan",
    ]


async def test_demo_consultations_wait_in_the_specialists_queues(
    client: httpx.AsyncClient, settings: Settings, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    queues = {}
    for username in ("bs.hung", "bs.son", "bs.tuan", "bs.thu"):
        headers = await login(client, username, DEMO_PASSWORD)
        response = await client.get("/api/v1/consultations/queue", headers=headers)
        assert response.status_code == 200, response.text
        queues[username] = [
            (c["status"], c["requesting_facility_name"], c["overdue"]) for c in response.json()
        ]
    # Urgent first; both hospital requests are still inside their SLA when the demo starts.
    assert queues["bs.hung"] == [
        ("forwarded", "Trạm Y tế xã Lang Quán", False),
        ("submitted", "Trạm Y tế xã Thái Bình", False),
    ]
    assert queues["bs.son"] == [("submitted", "Trạm Y tế xã Bình Xa", False)]
    assert queues["bs.tuan"] == [("scheduled", "Trạm Y tế xã Kim Quan", False)]
    assert queues["bs.thu"] == []  # forwarded on: no longer the Yên Sơn centre's case


async def test_demo_closed_consultation_has_its_whole_story(
    client: httpx.AsyncClient, settings: Settings, db: Database, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    headers = await login(client, "yt.chanson", DEMO_PASSWORD)
    mine = (await client.get("/api/v1/consultations", headers=headers)).json()
    assert [c["status"] for c in mine] == ["closed"]
    timeline = await client.get(f"/api/v1/consultations/{mine[0]['id']}/timeline", headers=headers)
    assert [e["action"] for e in timeline.json()] == [
        "create",
        "submit",
        "accept",
        "start_session",
        "conclude",
        "close",
    ]
    async with seeding(db) as s:
        room = (await s.execute(select(LiveSession))).scalar_one()
    assert room.resource_id == uuid.UUID(mine[0]["id"])
    assert room.ended_at is not None and room.started_at < room.ended_at < clock.now()


async def test_demo_consultations_are_in_the_provincial_register(
    client: httpx.AsyncClient, settings: Settings, clock: FrozenClock
) -> None:
    await load_demo(settings, clock=clock)
    headers = await login(client, "syt.tuyenquang", DEMO_PASSWORD)
    register = await client.get("/api/v1/regulator/consultations", headers=headers)
    assert register.status_code == 200, register.text
    assert sorted(r["status"] for r in register.json()["items"]) == [
        "closed",
        "forwarded",
        "scheduled",
        "submitted",
        "submitted",
    ]


async def test_demo_is_refused_in_production() -> None:
    production = Settings(
        environment="production",
        secret_key="x" * 40,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    with pytest.raises(RuntimeError, match="refused in production"):
        await load_demo(production)


def test_docs_carry_the_demo_logins_table() -> None:
    assert logins_table() in DOCS.read_text(encoding="utf-8")
