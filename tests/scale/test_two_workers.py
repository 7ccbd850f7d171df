"""A full consultation across two server processes sharing only PostgreSQL and Redis, with
deliveries by a third process (`telehealth worker`)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from signaling.tools.client import SignalingClient
from tests.scale.databases import app_url, scratch_database
from tests.scale.journey import PATIENT_CCCD, Clinician, consultation_request, seed_network
from tests.scale.servers import METRICS_TOKEN, platform_env, run_worker_once, serve

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/0"
OFFER = {"description": {"type": "offer", "sdp": "v=0 offer"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0 answer"}}


def _metric(text: str, name: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name + " ") or line.startswith(name + "{")]
    return sum(values)


async def test_a_consultation_runs_across_two_workers_and_a_delivery_worker(
    tmp_path: Path,
) -> None:
    async with scratch_database() as db_url:
        people = await seed_network(db_url)
        env = platform_env(app_url(db_url), REDIS_URL, f"vt-scale-{uuid.uuid4().hex[:8]}")
        with serve(env, tmp_path) as a, serve(env, tmp_path) as b:
            async with Clinician(a.base_url, people.usernames["requester"]) as requester, \
                    Clinician(b.base_url, people.usernames["cardio"]) as cardio:
                # Requesting side on A, consultant on B: the request is one row in PostgreSQL.
                opened = await requester.post("/consultations", consultation_request(people),
                                              expect=201)
                cid = opened["id"]
                # Two hours pass unanswered: B reports the breach, the delivery worker (a
                # third process) escalates it, and A shows the requester the notice.
                await _make_overdue(db_url, cid)
                assert _metric(await _metrics(b.base_url),
                               "telehealth_consultation_sla_breaches") == 1
                run_worker_once(env, tmp_path)
                kinds = [n["kind"] for n in (await requester.get("/notifications")).json()["items"]]
                assert "consultation.overdue" in kinds, kinds
                await cardio.post(f"/consultations/{cid}/accept", {"note": "Tiếp nhận"})
                assert _metric(await _metrics(a.base_url),
                               "telehealth_consultation_sla_breaches") == 0
                started = await cardio.post(f"/consultations/{cid}/start-session")
                assert started["status"] == "in_session"

                room = f"consultation:{cid}"
                host_ticket = await cardio.post("/sessions/join-token", {"room": room})
                guest_ticket = await requester.post("/sessions/join-token", {"room": room})
                # Signaling split: the consultant on B, the requester on A.
                async with await SignalingClient.connect(b.ws_url) as host, \
                        await SignalingClient.connect(a.ws_url) as guest:
                    await host.hello(str(host_ticket["token"]))
                    welcome = await guest.hello(str(guest_ticket["token"]))
                    assert [p["peer_id"] for p in welcome["peers"]] == [host.peer_id]
                    joined = await host.expect("peer-joined", within=10)
                    assert joined["peer"]["peer_id"] == guest.peer_id
                    await guest.signal(host.peer_id, OFFER)
                    relayed = await host.expect("signal", within=10)
                    assert relayed == {"type": "signal", "from": guest.peer_id, "data": OFFER}
                    await host.signal(guest.peer_id, ANSWER)
                    assert (await guest.expect("signal", within=10))["data"] == ANSWER
                    await guest.send({"type": "chat", "text": "Huyết áp 160/95"})
                    for peer in (guest, host):
                        assert (await peer.expect("chat", within=10))["text"] == "Huyết áp 160/95"

                    # The consultant on B ends the session; the requester on A is told.
                    await host.send({"type": "end"})
                    left = await guest.expect("peer-left", within=10)
                    assert left["reason"] == "ended"
                    assert (await guest.closed(within=10))[0] == 1000

            metrics_b = await _metrics(b.base_url)
            assert _metric(metrics_b, "telehealth_http_request_duration_seconds_count") > 0
            # The bus probe runs every 5 s (its first one may go out before the worker's own
            # subscription is live): wait for one round trip, within a bounded time.
            for _ in range(30):
                if _metric(metrics_b, "telehealth_bus_lag_seconds_count") >= 1:
                    break
                await asyncio.sleep(0.5)
                metrics_b = await _metrics(b.base_url)
            assert _metric(metrics_b, "telehealth_bus_lag_seconds_count") >= 1

        await _assert_stored(db_url, cid)
        _assert_logs_are_clean(tmp_path, [host_ticket["token"], guest_ticket["token"],
                                          requester.headers["Authorization"].split()[1]])


async def _make_overdue(db_url: str, cid: str) -> None:
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute("UPDATE consultation_request SET due_at = due_at - interval '3 hours'"
                           " WHERE id = $1", uuid.UUID(cid))
    finally:
        await conn.close()


async def _metrics(base_url: str) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base_url}/metrics",
                                    headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    return response.text


async def _assert_stored(db_url: str, cid: str) -> None:
    conn = await asyncpg.connect(db_url)
    try:
        status = await conn.fetchval("SELECT status FROM consultation_request WHERE id = $1",
                                     uuid.UUID(cid))
        chat = await conn.fetch("SELECT text FROM session_chat_message WHERE room = $1",
                                f"consultation:{cid}")
        escalated = await conn.fetchval("SELECT escalated_at IS NOT NULL FROM consultation_request"
                                        " WHERE id = $1", uuid.UUID(cid))
        ended = await conn.fetchval("SELECT ended_at IS NOT NULL FROM live_session WHERE room = $1",
                                    f"consultation:{cid}")
    finally:
        await conn.close()
    assert status == "in_session" and escalated
    assert [r["text"] for r in chat] == ["Huyết áp 160/95"]
    assert ended, "the host's end of the room on worker B was recorded before sockets closed"


def _assert_logs_are_clean(log_dir: Path, secrets: list[object]) -> None:
    """Every server line is JSON; no token and no patient identifier is ever written."""
    request_ids = 0
    for log in log_dir.glob("serve-*.log"):
        for line in log.read_text().splitlines():
            if not line.startswith("{"):
                assert not line.strip() or line.startswith("VTelehealth on "), line
                continue
            entry = json.loads(line)
            request_ids += "request_id" in entry
            for secret in (*secrets, PATIENT_CCCD):
                assert str(secret) not in line
    assert request_ids > 0
