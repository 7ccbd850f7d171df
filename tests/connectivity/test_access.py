"""Who may run, report and read connection checks."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from telehealth.db import Database
from telehealth.models import ConnectionCheck, ConnectionVerdict
from tests.conftest import T0
from tests.connectivity.conftest import Bearer, People, Person
from tests.fixtures.http import seeding


async def stored_check(db: Database, person: Person, minutes_ago: int = 0) -> uuid.UUID:
    async with seeding(db) as session:
        check = ConnectionCheck(
            user_id=person.user_id,
            facility_id=person.facility_id,
            started_at=T0 - timedelta(minutes=minutes_ago),
            finished_at=T0 - timedelta(minutes=minutes_ago) + timedelta(seconds=20),
            rtt_ms=80.0, loss_percent=0.0, upload_kbps=900.0, download_kbps=2500.0,
            bitrate_kbps=900.0, verdict=ConnectionVerdict.video_ok,
        )
        session.add(check)
        await session.flush()
        return check.id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/connectivity/offer"),
        ("POST", f"/api/v1/connectivity/{uuid.UUID(int=1)}/result"),
        ("GET", "/api/v1/connectivity/checks"),
        ("GET", f"/api/v1/connectivity/checks/{uuid.UUID(int=1)}"),
    ],
)
async def test_anonymous_callers_get_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"sdp": "v=0 offer", "pings_sent": 0,
                                                       "pings_received": 0})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_regulators_do_not_run_checks(
    client: httpx.AsyncClient, people: People, bearer: Bearer
) -> None:
    response = await client.post(
        "/api/v1/connectivity/offer", headers=await bearer(people.regulator),
        json={"sdp": "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"},
    )
    assert response.status_code == 403


async def test_users_list_only_their_own_checks_newest_first(
    client: httpx.AsyncClient, db: Database, people: People, bearer: Bearer
) -> None:
    older = await stored_check(db, people.clinician, minutes_ago=30)
    newer = await stored_check(db, people.clinician, minutes_ago=5)
    await stored_check(db, people.colleague)
    response = await client.get("/api/v1/connectivity/checks",
                                headers=await bearer(people.clinician))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [str(newer), str(older)]


async def test_a_facility_admin_sees_every_check_of_the_facility(
    client: httpx.AsyncClient, db: Database, people: People, bearer: Bearer
) -> None:
    mine = await stored_check(db, people.clinician)
    colleagues = await stored_check(db, people.colleague, minutes_ago=1)
    await stored_check(db, people.patient, minutes_ago=2)  # at home: no facility
    response = await client.get("/api/v1/connectivity/checks", headers=await bearer(people.admin))
    assert {c["id"] for c in response.json()} == {str(mine), str(colleagues)}


async def test_another_facilitys_admin_sees_none_of_them(
    client: httpx.AsyncClient, db: Database, people: People, bearer: Bearer
) -> None:
    check_id = await stored_check(db, people.clinician)
    headers = await bearer(people.other_admin)
    listed = await client.get("/api/v1/connectivity/checks", headers=headers)
    assert listed.json() == []
    single = await client.get(f"/api/v1/connectivity/checks/{check_id}", headers=headers)
    assert single.status_code == 404


async def test_a_colleague_cannot_read_or_report_someone_elses_check(
    client: httpx.AsyncClient, db: Database, people: People, bearer: Bearer
) -> None:
    check_id = await stored_check(db, people.clinician)
    headers = await bearer(people.colleague)
    assert (await client.get(f"/api/v1/connectivity/checks/{check_id}",
                             headers=headers)).status_code == 404
    report = await client.post(f"/api/v1/connectivity/{check_id}/result", headers=headers,
                               json={"pings_sent": 0, "pings_received": 0, "failure": "timeout"})
    assert report.status_code == 404


async def test_the_own_facility_admin_reads_a_single_check(
    client: httpx.AsyncClient, db: Database, people: People, bearer: Bearer
) -> None:
    check_id = await stored_check(db, people.clinician)
    response = await client.get(f"/api/v1/connectivity/checks/{check_id}",
                                headers=await bearer(people.admin))
    assert response.status_code == 200
    assert response.json()["verdict"] == "video_ok"


async def test_an_unknown_check_is_404(
    client: httpx.AsyncClient, people: People, bearer: Bearer
) -> None:
    response = await client.post(
        f"/api/v1/connectivity/{uuid.uuid4()}/result", headers=await bearer(people.patient),
        json={"pings_sent": 0, "pings_received": 0, "failure": "timeout"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Không tìm thấy lần kiểm tra này."
