"""The quality pages: dashboard with SVG charts, a session's charts, the rating form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import VisitRating
from telehealth.sessions.platform import DatabasePlatform
from tests.conftest import T0
from tests.fixtures.http import seeding, web_login
from tests.quality.kpi_world import seed
from tests.quality.world import World, sample, uid, video_visit


async def test_the_dashboard_page_draws_charts_without_scripts(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with seeding(db) as session:
        await seed(session, world)
    await web_login(client, world.regulator_08.username)
    page = await client.get("/quality")
    assert page.status_code == 200
    assert page.text.count("<svg class=\"chart\"") == 5
    assert "Yêu cầu theo hình thức và mức độ khẩn" in page.text
    assert world.station.name in page.text and world.foreign.name not in page.text
    assert "/api/v1/quality/dashboard.csv?from=2026-10-25&amp;to=2026-11-23" in page.text
    assert "<script" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    csv = await client.get("/api/v1/quality/dashboard.csv")  # the link works with the cookie
    assert csv.status_code == 200 and csv.text.startswith("metric,breakdown,value")


async def test_the_dashboard_page_refuses_another_facility(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, world.foreign_admin.username)
    page = await client.get(f"/quality?facility_id={world.hospital.id}")
    assert page.status_code == 404
    await web_login(client, world.patient_user.username)
    assert (await client.get("/quality")).status_code == 403


async def test_an_administrator_opens_a_session_with_charts_per_participant(
    client: httpx.AsyncClient, db: Database, world: World, clock: FrozenClock
) -> None:
    async with seeding(db) as session:
        visit = await video_visit(session, world, T0, ended_after=None)
    room = f"appointment:{visit.id}"
    platform = DatabasePlatform(db, clock)
    for n in range(1, 7):
        for user, peer in ((world.clinician, "d"), (world.patient_user, "p")):
            await platform.store_quality(room, uid(user), peer, "sample", sample(n),
                                         T0 + timedelta(seconds=5 * n))
    await platform.room_ended(room, uid(world.clinician), T0 + timedelta(seconds=40))
    await web_login(client, world.admin.username)
    listing = await client.get("/quality/sessions")
    assert f"/quality/sessions/appointment/{visit.id}" in listing.text
    page = await client.get(f"/quality/sessions/appointment/{visit.id}")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 8
    assert page.text.count('<polyline class="line s0"') >= 7
    assert page.text.count('<polyline class="line s1"') >= 7
    assert 'class="grade good"' in page.text


async def _held_visit(db: Database, world: World) -> Any:
    async with seeding(db) as session:
        return await video_visit(session, world, T0 - timedelta(hours=1))


async def test_the_patient_rates_a_visit_through_the_form(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    visit = await _held_visit(db, world)
    csrf = await web_login(client, world.patient_user.username)
    listing = await client.get("/quality/visits")
    assert f"/quality/visits/{visit.id}/rate" in listing.text
    form = await client.get(f"/quality/visits/{visit.id}/rate")
    assert form.status_code == 200 and 'name="score"' in form.text
    missing = await client.post(f"/quality/visits/{visit.id}/rate",
                                data={"csrf_token": csrf, "comment": "x"})
    assert missing.status_code == 422
    sent = await client.post(f"/quality/visits/{visit.id}/rate",
                             data={"csrf_token": csrf, "score": "5", "comment": "Rất tốt"})
    assert sent.status_code == 303
    async with seeding(db) as session:
        rating = (await session.execute(select(VisitRating))).scalar_one()
    assert (rating.score, rating.comment) == (5, "Rất tốt")


async def test_the_rating_form_needs_the_csrf_token(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    visit = await _held_visit(db, world)
    await web_login(client, world.patient_user.username)
    refused = await client.post(f"/quality/visits/{visit.id}/rate", data={"score": "5"})
    assert refused.status_code == 403
