"""Faults: a worker dies mid-call, Redis restarts, PostgreSQL restarts. Clients resume,
requests fail cleanly (503 with the error shape, quickly) and everything recovers without
restarting the app; nothing accepted before the fault is lost."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from signaling.tools.client import SignalingClient
from tests.scale.calls import join, leave_and_close, negotiate, visit_in_session
from tests.scale.databases import app_url, scratch_database
from tests.scale.journey import Clinician, consultation_request, seed_network
from tests.scale.servers import OwnRedis, own_postgres, own_redis, platform_env, serve, stop

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
SHARED_REDIS = "redis://127.0.0.1:6379/0"


def _prefix() -> str:
    return f"vt-fault-{uuid.uuid4().hex[:8]}"


async def _eventually(check: object, what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    last: object = None
    while time.monotonic() < deadline:
        try:
            if await check():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError, AssertionError, ConnectionClosed) as exc:
            last = exc
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{what} did not happen within {within} s (last: {last!r})")


async def _status(base_url: str, path: str, headers: dict[str, str] | None = None
                  ) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        return await client.get(path, headers=headers)


def _no_tracebacks(log_dir: Path) -> None:
    for log in log_dir.glob("serve-*.log"):
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                assert json.loads(line)["message"] != "unhandled error", line


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "crash"])
async def test_clients_of_a_stopped_worker_resume_on_the_other(
    tmp_path: Path, how: signal.Signals
) -> None:
    async with scratch_database() as db_url:
        people = await seed_network(db_url)
        env = platform_env(app_url(db_url), SHARED_REDIS, _prefix())
        with serve(env, tmp_path) as a, serve(env, tmp_path) as b:
            async with Clinician(b.base_url, people.usernames["requester"]) as requester, \
                    Clinician(b.base_url, people.usernames["cardio"]) as cardio:
                visit = await visit_in_session(requester, cardio, people)
                host = await join(cardio, a.ws_url, visit)  # the consultant's socket is on A
                guest = await join(requester, b.ws_url, visit)
                try:
                    await negotiate(guest, host)
                    await guest.send({"type": "chat", "text": "trước sự cố"})
                    await guest.expect("chat", within=10)
                    old_peer = host.peer_id

                    stop(a.proc, how)  # A goes away mid-call
                    code, _ = await host.closed(within=15)
                    assert code in (1001, 1006, 1012)

                    resumed = await join(cardio, b.ws_url, visit, resume=old_peer)
                    try:
                        assert resumed.peer_id == old_peer
                        assert resumed.welcome is not None
                        peers = resumed.welcome["peers"]
                        assert [p["peer_id"] for p in peers] == [guest.peer_id]
                        back = await guest.expect("peer-reconnected", within=10,
                                                  skip=("chat",))
                        assert back["peer_id"] == old_peer
                        await negotiate(resumed, guest)  # the ICE restart after resume
                    finally:
                        await resumed.close()
                finally:
                    await guest.close()
                    await host.close()
        conn = await asyncpg.connect(db_url)
        try:
            lines = await conn.fetch("SELECT text FROM session_chat_message")
        finally:
            await conn.close()
        assert [r["text"] for r in lines] == ["trước sự cố"]


async def test_a_redis_restart_fails_cleanly_and_recovers(tmp_path: Path) -> None:
    async with scratch_database() as db_url:
        with own_redis() as redis:
            await _redis_restart(db_url, redis, tmp_path)
    _no_tracebacks(tmp_path)


async def _redis_restart(db_url: str, redis: OwnRedis, tmp_path: Path) -> None:
    people = await seed_network(db_url)
    env = platform_env(app_url(db_url), redis.url, _prefix())
    with serve(env, tmp_path) as a, serve(env, tmp_path) as b:
        async with Clinician(a.base_url, people.usernames["requester"]) as requester, \
                Clinician(b.base_url, people.usernames["cardio"]) as cardio:
            visit = await visit_in_session(requester, cardio, people)

            redis.stop()
            started = time.monotonic()
            ready = await _status(a.base_url, "/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["bus"].startswith("error")
            # Requests that need only the database still work; nothing hangs.
            detail = await requester.get(f"/consultations/{visit.consultation_id}")
            assert detail.status_code == 200
            timeline = await cardio.get(f"/consultations/{visit.consultation_id}/timeline")
            assert timeline.status_code == 200
            # A new socket is told to come back later (1013), not left hanging or sent a 1011.
            ticket = await cardio.post("/sessions/join-token", {"room": visit.room})
            async with await SignalingClient.connect(a.ws_url) as socket:
                await socket.send({"type": "hello", "token": ticket["token"]})
                assert (await socket.closed(within=15))[0] == 1013
            assert time.monotonic() - started < 30

            redis.start()
            for server in (a, b):
                await _eventually(
                    lambda s=server: _ready(s.base_url), f"{server.base_url} ready again")
            # Live rooms work across workers again, without restarting either server.
            # Each try leaves the room cleanly, so a retry after a failed one does not meet
            # the earlier try's peers (a fresh join replaces them: `peer-left`, `removed`).
            async def call_works() -> bool:
                opened: list[SignalingClient] = []
                try:
                    host = await join(cardio, a.ws_url, visit)
                    opened.append(host)
                    guest = await join(requester, b.ws_url, visit)
                    opened.append(guest)
                    await negotiate(guest, host)
                finally:
                    await leave_and_close(*opened)
                return True
            await _eventually(call_works, "a call across both workers", within=40)


async def _ready(base_url: str) -> bool:
    return (await _status(base_url, "/readyz")).status_code == 200


async def test_a_postgresql_restart_answers_503_and_recovers(tmp_path: Path) -> None:
    with own_postgres() as pg:
        async with scratch_database(admin_dsn=pg.admin_dsn) as db_url:
            people = await seed_network(db_url)
            env = platform_env(app_url(db_url), SHARED_REDIS, _prefix())
            with serve(env, tmp_path) as a, serve(env, tmp_path) as b:
                async with Clinician(a.base_url, people.usernames["requester"]) as requester, \
                        Clinician(b.base_url, people.usernames["cardio"]) as cardio:
                    visit = await visit_in_session(requester, cardio, people)
                    path = f"/consultations/{visit.consultation_id}"

                    pg.stop("immediate")  # a crash, not a polite shutdown
                    for who in (requester, cardio):
                        started = time.monotonic()
                        down = await who.get(path)
                        assert down.status_code == 503, down.text
                        error = down.json()["error"]
                        assert error["code"] == "service_unavailable" and error["request_id"]
                        assert down.headers["retry-after"]
                        assert time.monotonic() - started < 10
                    assert (await _status(a.base_url, "/readyz")).status_code == 503

                    pg.start()
                    async def served() -> bool:
                        return (await requester.get(path)).status_code == 200
                    await _eventually(served, "requests served again")
                    for server in (a, b):
                        await _eventually(lambda s=server: _ready(s.base_url), "ready again")
                    # What was accepted before the crash is still there, and writes work.
                    detail = (await cardio.get(path)).json()
                    assert detail["status"] == "in_session"
                    await requester.post("/consultations", consultation_request(people),
                                         expect=201)
            _no_tracebacks(tmp_path)

