"""The clinician agenda: a day or a week of slots with booked visits; reading names is audited."""

from __future__ import annotations

from datetime import time

import httpx
from sqlalchemy import select

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import AuditEvent, Role, SlotMode, VisitMode
from telehealth.scheduling.service import sync_practitioners
from tests.fixtures import factories
from tests.fixtures.http import login, seeding, web_login
from tests.scheduling.helpers import book, rule, slots_of


async def _doctor_with_week(db: Database, clock: FrozenClock) -> tuple[str, str]:
    """A doctor working Mon/Tue/Sun mornings with one video visit on Tuesday 08:20."""
    async with seeding(db) as s:
        fac = await factories.facility(s)
        u = await factories.user(s, Role.clinician, facility_id=fac.id, username="bs.lich")
        doc = await factories.practitioner(s, fac.id, user_obj=u)
        for weekday in (0, 1, 6):
            await rule(
                s,
                doc,
                weekday=weekday,
                start=time(8),
                end=time(9),
                slot_minutes=20,
                mode=SlotMode.both,
            )
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=14)
        tuesday_0820 = (await slots_of(s, doc.id))[4]  # Mon 08:00-08:40, then Tue 08:00, 08:20
        visit = await book(s, tuesday_0820, mode=VisitMode.video, reason="Tái khám tăng huyết áp")
        patient_id = str(visit.patient_id)
    return "bs.lich", patient_id


async def test_week_agenda_lists_slots_and_booked_visit(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    username, patient_id = await _doctor_with_week(db, clock)
    headers = await login(client, username)
    response = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-23&to=2026-11-29", headers=headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-11-23", "2026-11-29")
    entries = body["entries"]
    # Monday (it is 08:00 now, so the 08:00 slot still counts), Tuesday, Sunday: 3 each.
    assert len(entries) == 9
    booked = [e for e in entries if e["appointment"]]
    assert len(booked) == 1
    assert booked[0]["start_at"] == "2026-11-24T01:20:00Z"
    assert booked[0]["appointment"]["mode"] == "video"
    assert booked[0]["appointment"]["reason"] == "Tái khám tăng huyết áp"
    assert booked[0]["appointment"]["patient"]["id"] == patient_id
    async with seeding(db) as s:
        reads = (
            (await s.execute(select(AuditEvent).where(AuditEvent.action == "patient.read")))
            .scalars()
            .all()
        )
    assert [(str(e.patient_id), e.purpose) for e in reads] == [(patient_id, "clinician_agenda")]


async def test_day_agenda_has_only_that_day_and_no_audit_without_patients(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    username, _ = await _doctor_with_week(db, clock)
    headers = await login(client, username)
    response = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-29&to=2026-11-29", headers=headers
    )
    starts = [e["start_at"] for e in response.json()["entries"]]
    # Sunday 29 Nov 08:00-09:00 Vietnam time = 01:00-02:00 UTC.
    assert starts == ["2026-11-29T01:00:00Z", "2026-11-29T01:20:00Z", "2026-11-29T01:40:00Z"]
    async with seeding(db) as s:
        assert (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "patient.read"))
        ).first() is None


async def test_agenda_range_is_validated(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    username, _ = await _doctor_with_week(db, clock)
    headers = await login(client, username)
    backwards = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-29&to=2026-11-23", headers=headers
    )
    too_long = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-01&to=2026-12-31", headers=headers
    )
    assert (backwards.status_code, too_long.status_code) == (422, 422)


async def test_agenda_is_only_for_clinicians(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        await factories.user(s, Role.facility_admin, facility_id=fac.id, username="qt.lich")
    headers = await login(client, "qt.lich")
    response = await client.get(
        "/api/v1/clinicians/me/agenda?from=2026-11-23&to=2026-11-23", headers=headers
    )
    assert response.status_code == 403


async def test_agenda_pages_show_day_and_week_in_vietnamese(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    username, _ = await _doctor_with_week(db, clock)
    await web_login(client, username)
    day = await client.get(
        "/clinician/agenda?view=day&date=2026-11-24", headers={"accept": "text/html"}
    )
    assert day.status_code == 200
    assert "Thứ Ba, 24/11/2026" in day.text
    assert "08:20–08:40" in day.text and "Khám qua video" in day.text
    assert "Tái khám tăng huyết áp" in day.text
    assert "Thứ Tư" not in day.text
    week = await client.get(
        "/clinician/agenda?view=week&date=2026-11-26", headers={"accept": "text/html"}
    )
    assert "Thứ Hai, 23/11/2026" in week.text and "Chủ Nhật, 29/11/2026" in week.text
    assert "1 lịch hẹn đã đặt, 8 lượt còn trống." in week.text
