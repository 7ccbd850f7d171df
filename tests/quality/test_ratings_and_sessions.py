"""Patients' ratings (only the visit's patient, once it took place, 1–5, editable for a day)
and the audited per-session quality read (administrators of the facility only)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import AuditEvent, Role, VisitRating
from telehealth.sessions.platform import DatabasePlatform
from tests.conftest import T0
from tests.fixtures import factories
from tests.fixtures.http import login, seeding
from tests.quality.world import World, sample, uid, video_visit


async def _rate(client: httpx.AsyncClient, username: str, appointment_id: object,
                **body: object) -> httpx.Response:
    return await client.put(f"/api/v1/quality/visits/{appointment_id}/rating", json=body,
                            headers=await login(client, username))


async def test_the_patient_rates_once_and_may_change_it_for_a_day(
    client: httpx.AsyncClient, db: Database, world: World, clock: FrozenClock
) -> None:
    async with seeding(db) as session:
        visit = await video_visit(session, world, T0 - timedelta(hours=1))
    first = await _rate(client, world.patient_user.username, visit.id, score=4, comment=" Tốt ")
    assert first.status_code == 201, first.text
    assert (first.json()["score"], first.json()["comment"]) == (4, "Tốt")
    clock.advance(timedelta(hours=23))
    changed = await _rate(client, world.patient_user.username, visit.id, score=5)
    assert changed.status_code == 200 and changed.json()["score"] == 5
    clock.advance(timedelta(hours=2))
    locked = await _rate(client, world.patient_user.username, visit.id, score=1)
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "rating_locked"
    async with seeding(db) as session:
        [rating] = (await session.execute(select(VisitRating))).scalars().all()
        actions = [e.action for e in (await session.execute(select(AuditEvent))).scalars()
                   if e.action.startswith("visit.rate")]
    assert (rating.score, rating.facility_id) == (5, world.hospital.id)
    assert actions == ["visit.rate", "visit.rate.update"]


@pytest.mark.parametrize("score", [0, 6, "5", 2.5, None])
async def test_scores_outside_1_to_5_are_refused(
    client: httpx.AsyncClient, db: Database, world: World, score: object
) -> None:
    async with seeding(db) as session:
        visit = await video_visit(session, world, T0 - timedelta(hours=1))
    response = await _rate(client, world.patient_user.username, visit.id, score=score)
    assert response.status_code == 422


async def test_only_the_patient_of_a_visit_that_took_place_may_rate_it(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with seeding(db) as session:
        held = await video_visit(session, world, T0 - timedelta(hours=1))
        missed = await video_visit(session, world, T0 - timedelta(hours=2), held=False)
        stranger = await factories.user(session, Role.patient)
        await factories.patient(session, user_obj=stranger)
    assert (await _rate(client, stranger.username, held.id, score=3)).status_code == 404
    assert (await _rate(client, world.patient_user.username, missed.id, score=3)).status_code == 404
    assert (await _rate(client, world.clinician.username, held.id, score=3)).status_code == 403


async def test_an_administrator_reads_a_session_of_the_facility_and_it_is_audited(
    client: httpx.AsyncClient, db: Database, world: World, clock: FrozenClock
) -> None:
    async with seeding(db) as session:
        visit = await video_visit(session, world, T0, ended_after=None)
    room = f"appointment:{visit.id}"
    platform = DatabasePlatform(db, clock)
    for n in range(1, 5):
        await platform.store_quality(room, uid(world.clinician), "pd", "sample", sample(n),
                                     T0 + timedelta(seconds=5 * n))
    await platform.flush()
    url = f"/api/v1/quality/sessions/appointment/{visit.id}"

    live = await client.get(url, headers=await login(client, world.admin.username))
    assert live.status_code == 200, live.text
    assert live.json()["stored"] is False and live.json()["figures"]["samples"] == 4

    await platform.room_ended(room, uid(world.clinician), T0 + timedelta(seconds=30))
    body = (await client.get(url, headers=await login(client, world.admin.username))).json()
    assert body["stored"] is True and body["figures"]["grade"] == "good"
    [doctor] = [p for p in body["participants"] if p["user_id"] == str(world.clinician.id)]
    assert [p["rtt_ms"] for p in doctor["series"]["points"]] == [90.0, 100.0, 80.0, 90.0]

    async with seeding(db) as session:
        reads = [e for e in (await session.execute(select(AuditEvent))).scalars()
                 if e.action == "session.quality.read"]
    assert len(reads) == 2
    assert (reads[0].patient_id, reads[0].actor_user_id) == (world.patient.id, world.admin.id)

    for outsider in (world.foreign_admin, world.station_admin):
        response = await client.get(url, headers=await login(client, outsider.username))
        assert response.status_code == 404
    for refused in (world.clinician, world.regulator_08, world.patient_user):
        response = await client.get(url, headers=await login(client, refused.username))
        assert response.status_code == 403


async def test_ingest_status_is_for_system_administrators(
    client: httpx.AsyncClient, world: World
) -> None:
    ok = await client.get("/api/v1/quality/ingest-status",
                          headers=await login(client, world.system_admin.username))
    assert ok.status_code == 200 and ok.json()["invalid_total"] == 0
    refused = await client.get("/api/v1/quality/ingest-status",
                               headers=await login(client, world.admin.username))
    assert refused.status_code == 403
