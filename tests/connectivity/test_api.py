"""The connection-check API end to end: an aiortc client against the app's probe peer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from telehealth.db import Database
from telehealth.models import ConnectionCheck
from tests.connectivity.conftest import Bearer, People
from tests.connectivity.probe_client import ProbeClient
from tests.fixtures.http import seeding

pytestmark = pytest.mark.slow


@pytest.fixture
async def probe_client() -> AsyncIterator[ProbeClient]:
    client = ProbeClient()
    yield client
    await client.close()


async def start(
    client: httpx.AsyncClient, probe: ProbeClient, headers: dict[str, str]
) -> uuid.UUID:
    response = await client.post(
        "/api/v1/connectivity/offer",
        json={"type": "offer", "sdp": await probe.offer()},
        headers={**headers, "User-Agent": "ProbeClient/1.0 (aiortc)"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "answer" and body["protocol"] == 1
    await probe.accept(body["sdp"])
    return uuid.UUID(body["check_id"])


async def test_a_full_check_stores_both_sides_figures_and_a_video_verdict(
    client: httpx.AsyncClient, app: FastAPI, db: Database, people: People, bearer: Bearer,
    probe_client: ProbeClient,
) -> None:
    headers = await bearer(people.clinician)
    check_id = await start(client, probe_client, headers)
    await probe_client.wait_open()
    pings = await probe_client.ping(count=50, interval=0.01)
    upload = await probe_client.upload(256 * 1024)
    _, download_kbps = await probe_client.download(256 * 1024, millis=3000)
    await probe_client.wait_for_echo(audio=20, video=5)

    response = await client.post(
        f"/api/v1/connectivity/{check_id}/result",
        headers=headers,
        json={
            "pings_sent": pings.sent,
            "pings_received": pings.received,
            "rtt_ms": pings.median_rtt_ms,
            "upload_kbps": upload["bytes"] * 8 / upload["ms"],
            "download_kbps": download_kbps,
            "media": {"audio_sent": True, "video_sent": True,
                      "echo_audio_packets": probe_client.echoed["audio"],
                      "echo_video_frames": probe_client.echoed["video"]},
        },
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verdict"] == "video_ok"
    assert result["loss_percent"] == 0
    assert result["with_audio"] and result["with_video"]
    assert result["user_agent"] == "ProbeClient/1.0 (aiortc)"
    assert result["bitrate_kbps"] == min(result["upload_kbps"], result["download_kbps"])
    server = result["server_figures"]
    assert server["pings_received"] == 50
    assert server["upload_bytes"] == 256 * 1024
    assert result["upload_kbps"] == server["upload_kbps"]  # the server's own count wins
    assert sorted(server["echoed_kinds"]) == ["audio", "video"]
    assert server["closed_by"] == "result"
    assert app.state.connection_probes.active == 0
    async with seeding(db) as session:
        stored = (await session.execute(select(ConnectionCheck))).scalars().one()
    assert stored.facility_id == people.clinician.facility_id
    assert stored.verdict == "video_ok"


async def test_a_data_only_check_is_judged_on_the_data_channel(
    client: httpx.AsyncClient, people: People, bearer: Bearer,
) -> None:
    headers = await bearer(people.patient)
    probe = ProbeClient(audio=False, video=False)
    try:
        check_id = await start(client, probe, headers)
        await probe.wait_open()
        pings = await probe.ping(count=20, interval=0.01)
        await probe.upload(128 * 1024)
        _, download_kbps = await probe.download(128 * 1024, millis=2000)
    finally:
        await probe.close()
    response = await client.post(
        f"/api/v1/connectivity/{check_id}/result", headers=headers,
        json={"pings_sent": 20, "pings_received": pings.received,
              "rtt_ms": pings.median_rtt_ms, "download_kbps": download_kbps},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["with_audio"], result["with_video"]) == (False, False)
    assert result["facility_id"] is None
    assert result["verdict"] == "video_ok"


async def test_a_reported_failure_is_not_usable(
    client: httpx.AsyncClient, app: FastAPI, people: People, bearer: Bearer,
    probe_client: ProbeClient,
) -> None:
    headers = await bearer(people.clinician)
    check_id = await start(client, probe_client, headers)
    response = await client.post(
        f"/api/v1/connectivity/{check_id}/result", headers=headers,
        json={"pings_sent": 0, "pings_received": 0, "failure": "ice_failed"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "not_usable"
    assert response.json()["failure"] == "ice_failed"
    assert app.state.connection_probes.active == 0


async def test_a_result_is_reported_once(
    client: httpx.AsyncClient, people: People, bearer: Bearer, probe_client: ProbeClient,
) -> None:
    headers = await bearer(people.clinician)
    check_id = await start(client, probe_client, headers)
    body = {"pings_sent": 0, "pings_received": 0, "failure": "timeout"}
    url = f"/api/v1/connectivity/{check_id}/result"
    assert (await client.post(url, headers=headers, json=body)).status_code == 200
    again = await client.post(url, headers=headers, json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "sdp", ["v=0\r\nnot an offer at all\r\n", "v=0\r\nm=audio x y z\r\n"], ids=["garbage", "broken"]
)
async def test_an_unusable_offer_is_400_and_stores_nothing(
    client: httpx.AsyncClient, app: FastAPI, db: Database, people: People, bearer: Bearer,
    sdp: str,
) -> None:
    response = await client.post(
        "/api/v1/connectivity/offer", headers=await bearer(people.clinician), json={"sdp": sdp}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert app.state.connection_probes.active == 0
    async with seeding(db) as session:
        assert (await session.execute(select(ConnectionCheck))).first() is None


async def test_results_with_more_pings_received_than_sent_are_refused(
    client: httpx.AsyncClient, people: People, bearer: Bearer, probe_client: ProbeClient,
) -> None:
    headers = await bearer(people.clinician)
    check_id = await start(client, probe_client, headers)
    response = await client.post(
        f"/api/v1/connectivity/{check_id}/result", headers=headers,
        json={"pings_sent": 5, "pings_received": 6, "rtt_ms": 20},
    )
    assert response.status_code == 422
