"""The probe peers are bounded: a cap per process, a timeout per check, closed at shutdown."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI

from telehealth.app import create_app
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.connectivity.peers import ProbePeers
from telehealth.errors import TooManyRequests
from tests.connectivity.conftest import Bearer, People
from tests.connectivity.probe_client import ProbeClient
from tests.fixtures.http import login

pytestmark = pytest.mark.slow


async def offer(
    client: httpx.AsyncClient, probe: ProbeClient, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        "/api/v1/connectivity/offer", json={"sdp": await probe.offer()}, headers=headers
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"connection_check_max_concurrent": 1, "connection_check_timeout_seconds": 20.0}
    )


async def test_checks_past_the_cap_get_429_with_retry_after(
    client: httpx.AsyncClient, people: People, bearer: Bearer
) -> None:
    first, second = ProbeClient(), ProbeClient()
    try:
        taken = await offer(client, first, await bearer(people.clinician))
        assert taken.status_code == 200
        refused = await offer(client, second, await bearer(people.patient))
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "20"
        error = refused.json()["error"]
        assert error["code"] == "too_many_requests"
        assert "tối đa" in error["message"]
    finally:
        await first.close()
        await second.close()


async def test_a_slot_frees_up_once_the_result_is_in(
    client: httpx.AsyncClient, people: People, bearer: Bearer
) -> None:
    first, second = ProbeClient(), ProbeClient()
    try:
        headers = await bearer(people.clinician)
        check_id = (await offer(client, first, headers)).json()["check_id"]
        await client.post(f"/api/v1/connectivity/{check_id}/result", headers=headers,
                          json={"pings_sent": 0, "pings_received": 0, "failure": "timeout"})
        assert (await offer(client, second, await bearer(people.patient))).status_code == 200
    finally:
        await first.close()
        await second.close()


async def test_a_new_check_replaces_the_same_users_running_one(
    client: httpx.AsyncClient, app: FastAPI, people: People, bearer: Bearer
) -> None:
    first, second = ProbeClient(), ProbeClient()
    try:
        headers = await bearer(people.clinician)
        old = uuid.UUID((await offer(client, first, headers)).json()["check_id"])
        new = uuid.UUID((await offer(client, second, headers)).json()["check_id"])
        probes: ProbePeers = app.state.connection_probes
        assert not probes.is_running(old)
        assert probes.is_running(new)
    finally:
        await first.close()
        await second.close()


async def test_the_timeout_closes_the_peer() -> None:
    probes = ProbePeers(max_concurrent=2, timeout_seconds=0.5)
    client = ProbeClient()
    closed = asyncio.Event()
    client.bulk_channel.on("close", closed.set)
    try:
        check_id = uuid.uuid4()
        started = await probes.start(check_id, uuid.uuid4(), await client.offer())
        await client.accept(started.answer_sdp)
        await client.wait_open()
        assert probes.is_running(check_id)
        async with asyncio.timeout(10):
            await closed.wait()  # the server's close reaches the client
        assert not probes.is_running(check_id)
        figures = await probes.finish(check_id)
        assert figures is not None and figures["closed_by"] == "timeout"
    finally:
        await client.close()
        await probes.close_all()


async def test_app_shutdown_closes_every_running_peer(
    settings: Settings, clock: FrozenClock, people: People
) -> None:
    # A second app over the same database, so its lifespan can end inside the test.
    app = create_app(settings, clock=clock)
    client = ProbeClient()
    closed = asyncio.Event()
    client.bulk_channel.on("close", closed.set)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                headers = await login(http, people.clinician.username)
                response = await offer(http, client, headers)
            assert response.status_code == 200
            await client.accept(response.json()["sdp"])
            await client.wait_open()
            probes: ProbePeers = app.state.connection_probes
            assert probes.active == 1
        assert probes.active == 0
        async with asyncio.timeout(10):
            await closed.wait()
    finally:
        await client.close()


async def test_concurrent_offers_cannot_overshoot_the_cap() -> None:
    probes = ProbePeers(max_concurrent=1, timeout_seconds=10)
    clients = [ProbeClient(), ProbeClient(), ProbeClient()]
    try:
        offers = [await c.offer() for c in clients]
        outcomes = await asyncio.gather(
            *(probes.start(uuid.uuid4(), uuid.uuid4(), sdp) for sdp in offers),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, TooManyRequests)]
        assert len(refused) == 2
        assert probes.active == 1
    finally:
        for client in clients:
            await client.close()
        await probes.close_all()
    assert probes.active == 0
