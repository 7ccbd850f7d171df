"""The KPI dashboard: numbers equal an independent count from the raw tables, scoped by role,
filterable, and exported as CSV."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from telehealth.db import Database
from tests.conftest import T0
from tests.fixtures.http import login, seeding
from tests.quality.kpi_world import seed
from tests.quality.world import World

SINCE = "2026-10-25 00:00:00+07:00"
UNTIL = "2026-11-24 00:00:00+07:00"


@pytest.fixture
async def seeded(db: Database, world: World) -> dict[str, Any]:
    async with seeding(db) as session:
        return await seed(session, world)


async def _dashboard(client: httpx.AsyncClient, username: str, **params: str) -> httpx.Response:
    return await client.get("/api/v1/quality/dashboard", params=params,
                            headers=await login(client, username))


def _dt(value: datetime | str) -> datetime:
    """SQLite hands raw SQL datetimes back as text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def _independent(db: Database, facility_ids: list[str]) -> dict[str, Any]:
    """The same figures counted with plain SQL over the raw tables, for these facilities."""
    now = T0.replace(tzinfo=None)
    since = datetime.fromisoformat(SINCE).astimezone(T0.tzinfo).replace(tzinfo=None)
    until = datetime.fromisoformat(UNTIL).astimezone(T0.tzinfo).replace(tzinfo=None)
    async with seeding(db) as session:
        ids = list(facility_ids)
        dialect = (await session.connection()).dialect.name

        def in_list(column: str) -> str:
            # SQLite stores UUIDs as 32 hex digits, PostgreSQL as uuid.
            if dialect == "sqlite":
                return f"{column} IN ({', '.join(repr(i.replace('-', '')) for i in ids)})"
            return f"{column} IN ({', '.join(repr(i) for i in ids)})"

        in_scope = (f"({in_list('requesting_facility_id')} OR {in_list('consulting_facility_id')})"
                    f" AND status != 'draft' AND submitted_at >= :s AND submitted_at < :u")
        p = {"s": since, "u": until}

        async def scalar(sql: str) -> Any:
            return (await session.execute(text(sql), p)).scalar_one()

        async def rows(sql: str) -> list[Any]:
            return list((await session.execute(text(sql), p)).all())

        by_activity: dict[str, dict[str, int]] = {}
        for activity, urgency, n in await rows(
            f"SELECT activity, urgency, count(*) FROM consultation_request WHERE {in_scope} "
            "GROUP BY activity, urgency"
        ):
            by_activity.setdefault(activity, {})[urgency] = n
        escalated = await scalar(
            "SELECT count(DISTINCT e.consultation_id) FROM consultation_event e JOIN "
            f"consultation_request r ON r.id = e.consultation_id WHERE e.action = 'escalate' "
            f"AND r.id IN (SELECT id FROM consultation_request WHERE {in_scope})"
        )
        # Still awaiting and past the deadline at "now" (T0, before the period's end).
        overdue = (await session.execute(text(
            f"SELECT count(*) FROM consultation_request WHERE {in_scope} AND status IN "
            "('submitted', 'forwarded') AND due_at < :now"), {**p, "now": now})).scalar_one()
        waits = [
            (_dt(accepted) - _dt(submitted)).total_seconds() / 60
            for submitted, accepted in await rows(
                "SELECT s.at, min(a.at) FROM consultation_event s JOIN consultation_event a "
                "ON a.consultation_id = s.consultation_id AND a.to_status IN "
                "('accepted', 'scheduled') WHERE s.action = 'submit' AND s.consultation_id IN "
                f"(SELECT id FROM consultation_request WHERE {in_scope}) GROUP BY s.id, s.at"
            )
        ]
        durations = []
        for kind, table, facility_sql in (
            ("appointment", "appointment", in_list("t.facility_id")),
            ("consultation", "consultation_request",
             f"({in_list('t.consulting_facility_id')} OR {in_list('t.requesting_facility_id')})"),
        ):
            for started, ended in await rows(
                f"SELECT l.started_at, l.ended_at FROM live_session l JOIN {table} t ON "
                f"t.id = l.resource_id WHERE l.kind = '{kind}' AND {facility_sql} AND "
                "l.started_at >= :s AND l.started_at < :u"
            ):
                durations.append((_dt(ended) - _dt(started)).total_seconds() / 60)
        scores = [s for (s,) in await rows(
            f"SELECT score FROM visit_rating WHERE {in_list('facility_id')} "
            "AND created_at >= :s AND created_at < :u")]
        return {
            "requests": await scalar(f"SELECT count(*) FROM consultation_request WHERE {in_scope}"),
            "by_activity": by_activity,
            "sla_breaches": escalated + overdue,
            "finished": await scalar(
                f"SELECT count(*) FROM consultation_request WHERE {in_scope} AND status IN "
                "('concluded', 'closed', 'declined', 'cancelled', 'expired')"),
            "answered": await scalar(
                f"SELECT count(*) FROM consultation_request WHERE {in_scope} AND status IN "
                "('concluded', 'closed')"),
            "accept_median": statistics.median(waits),
            "sessions": len(durations),
            "session_median": statistics.median(durations),
            "rating_mean": statistics.fmean(scores),
            "ratings": len(scores),
        }


async def test_provincial_kpis_equal_an_independent_count(
    client: httpx.AsyncClient, db: Database, world: World, seeded: dict[str, Any]
) -> None:
    response = await _dashboard(client, world.regulator_08.username)
    assert response.status_code == 200, response.text
    body = response.json()
    data = body["data"]
    expected = await _independent(db, [str(world.hospital.id), str(world.station.id)])
    assert data["requests"] == expected["requests"] == 4
    assert data["requests_by_activity"] == expected["by_activity"] == {
        "remote_advice": {"urgent": 2, "routine": 1}, "remote_consultation": {"emergency": 1}}
    assert data["sla_breaches"] == expected["sla_breaches"] == 2
    assert (data["finished"], data["answered"]) == (expected["finished"], expected["answered"])
    assert body["completion_rate"] == round(100 * 2 / 3, 1)
    assert body["outcome_rate"] == 50.0
    assert data["to_acceptance"] == {"count": 2, "median": expected["accept_median"], "p90": 39.0}
    assert data["to_session"] == {"count": 2, "median": 75.0, "p90": 87.0}
    assert data["sessions"] == expected["sessions"] == 4
    assert data["session_minutes"]["median"] == expected["session_median"] == 16.5
    assert (data["video_visits"], data["video_visits_due"], data["video_visits_held"]) == (4, 3, 2)
    assert (data["sessions_graded"], data["sessions_poor"], body["poor_share"]) == (2, 1, 50.0)
    assert (data["ratings"], data["rating_mean"]) == (expected["ratings"], expected["rating_mean"])
    stations = {s["name"]: s for s in data["stations"]}
    assert set(stations) == {world.hospital.name, world.station.name}
    station = stations[world.station.name]
    assert (station["total"], station["video_ok"], station["audio_only"], station["unfinished"],
            station["rtt_median_ms"]) == (3, 1, 1, 1, 225.0)


async def test_a_national_regulator_sees_every_province(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    data = (await _dashboard(client, world.national.username)).json()["data"]
    assert data["requests"] == 5 and data["ratings"] == 3 and data["sessions"] == 5
    assert len(data["stations"]) == 3


async def test_a_station_sees_its_own_side_only(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    data = (await _dashboard(client, world.station_admin.username)).json()["data"]
    # The station asked all four requests; it holds no video visits of its own.
    assert data["requests"] == 4
    assert data["video_visits"] == 0 and data["ratings"] == 0
    assert data["sessions"] == 2  # the two consultation sessions it took part in
    assert [s["name"] for s in data["stations"]] == [world.station.name]


async def test_a_foreign_admin_gets_nothing_of_another_facility(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    own = (await _dashboard(client, world.foreign_admin.username)).json()["data"]
    assert (own["requests"], own["sessions"], own["ratings"]) == (1, 1, 1)
    other = await _dashboard(client, world.foreign_admin.username,
                             facility_id=str(world.hospital.id))
    assert other.status_code == 404
    regulator = await _dashboard(client, world.regulator_22.username,
                                 facility_id=str(world.hospital.id))
    assert regulator.status_code == 404


@pytest.mark.parametrize("who", ["patient_user", "system_admin"])
async def test_patients_and_system_admins_are_refused(
    client: httpx.AsyncClient, world: World, who: str
) -> None:
    assert (await _dashboard(client, getattr(world, who).username)).status_code == 403


async def test_a_clinician_reads_the_facility_dashboard(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    data = (await _dashboard(client, world.clinician.username)).json()["data"]
    assert data["requests"] == 4 and data["video_visits"] == 4


async def test_filters_by_facility_specialty_and_period(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    user = world.regulator_08.username
    hospital = (await _dashboard(client, user, facility_id=str(world.hospital.id))).json()
    assert [s["name"] for s in hospital["data"]["stations"]] == [world.hospital.name]
    other_specialty = (await _dashboard(
        client, user, specialty_id="00000000-0000-7000-8000-000000000000")).json()["data"]
    assert other_specialty["requests"] == 0 and other_specialty["video_visits"] == 0
    last_two_days = (await _dashboard(client, user, **{"from": "2026-11-21", "to": "2026-11-23"}))
    assert last_two_days.json()["data"]["requests"] == 2  # r2 (21st) and r3 (22nd)
    bad = await _dashboard(client, user, **{"from": "2026-11-23", "to": "2026-11-01"})
    assert bad.status_code == 422


async def test_csv_export_holds_the_same_figures(
    client: httpx.AsyncClient, world: World, seeded: dict[str, Any]
) -> None:
    headers = await login(client, world.regulator_08.username)
    response = await client.get("/api/v1/quality/dashboard.csv", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="quality-2026-10-25-2026-11-23.csv"' in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["metric", "breakdown", "value"]
    cells = {(m, b): v for m, b, v in table[1:]}
    assert cells[("period_from", "")] == "2026-10-25"
    assert cells[("requests", "total")] == "4"
    assert cells[("requests", "remote_advice/urgent")] == "2"
    assert cells[("sla_breaches", "")] == "2"
    assert cells[("minutes_to_acceptance", "median")] == "35.0"
    assert cells[("poor_quality_share_percent", "")] == "50.0"
    assert cells[("ratings", "mean")] == "3.0"
    assert cells[("connection_checks", f"{world.station.name}/audio_only")] == "1"
