"""A real server on a free port: log in through the API, join with websockets, chat, end."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from signaling import PROTOCOL_PATH
from signaling.tools.client import SignalingClient
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.models import LiveSession, SessionChatMessage, SessionQualityRecord
from tests.fixtures.http import login, seeding
from tests.sessions.builders import VideoVisit, video_visit
from tests.sessions.conftest import START
from tests.sessions.live import LiveApp, serve_app


async def _visit(live: LiveApp) -> VideoVisit:
    async with seeding(live.db) as session:
        return await video_visit(session, START)


async def _join(live: LiveApp, username: str, room: str) -> SignalingClient:
    ticket = await live.join_token(username, room)
    # Opened as the browser does: the path the platform gave, room key included.
    ws_url = str(ticket["ws_url"])
    assert ws_url.startswith(f"{PROTOCOL_PATH}?room_key=")
    client = await SignalingClient.connect(live.ws_url.removesuffix(PROTOCOL_PATH) + ws_url)
    await client.hello(str(ticket["token"]))
    return client


async def test_patient_waits_is_admitted_and_chat_is_stored(
    settings: Settings, room_open: FrozenClock
) -> None:
    async with serve_app(settings, room_open) as live:
        visit = await _visit(live)
        doctor = await _join(live, visit.doctor.username, visit.room)
        patient = await _join(live, visit.patient_user.username, visit.room)
        assert patient.welcome is not None and patient.welcome["state"] == "waiting"
        waiting = await doctor.expect("waiting")
        assert waiting["peer"]["display_name"] == visit.patient_name
        await doctor.send({"type": "admit", "peer_id": patient.peer_id})
        admitted = await patient.expect("admitted")
        assert [p["role"] for p in admitted["peers"]] == ["host"]
        await doctor.expect("peer-joined", skip=("ack",))

        await patient.send({"type": "chat", "text": "Chào bác sĩ, tôi nghe rõ.", "id": "c1"})
        line = await doctor.expect("chat", skip=("ack",))
        assert (line["from"], line["text"]) == (patient.peer_id, "Chào bác sĩ, tôi nghe rõ.")
        await patient.expect("ack", skip=("chat",))
        async with seeding(live.db) as session:
            [stored] = (await session.execute(select(SessionChatMessage))).scalars().all()
        assert (stored.room, stored.user_id, stored.peer_id, stored.display_name) == (
            visit.room, visit.patient_user.id, patient.peer_id, visit.patient_name)
        await doctor.close()
        await patient.close()


async def test_stats_and_events_reach_the_database(
    settings: Settings, room_open: FrozenClock
) -> None:
    async with serve_app(settings, room_open) as live:
        visit = await _visit(live)
        doctor = await _join(live, visit.doctor.username, visit.room)
        sample = {"rtt_ms": 48, "packets_lost": 3, "audio_only": False, "codec": "VP8"}
        await doctor.send({"type": "stats", "sample": sample})
        await doctor.send({"type": "event", "name": "audio-only-on", "detail": {"auto": True}})
        rows: list[SessionQualityRecord] = []
        for _ in range(100):
            await asyncio.sleep(0.05)
            async with seeding(live.db) as session:
                rows = list((await session.execute(select(SessionQualityRecord))).scalars())
            if len(rows) == 2:
                break
        by_kind = {r.kind: r for r in rows}
        assert by_kind["sample"].payload == sample
        assert (by_kind["event"].name, by_kind["event"].payload["detail"]) == (
            "audio-only-on", {"auto": True})
        await doctor.close()


async def test_host_ends_the_room_for_good(settings: Settings, room_open: FrozenClock) -> None:
    async with serve_app(settings, room_open) as live:
        visit = await _visit(live)
        doctor = await _join(live, visit.doctor.username, visit.room)
        await doctor.send({"type": "end"})
        code, _ = await doctor.closed()
        assert code == 1000
        for _ in range(50):
            async with seeding(live.db) as session:
                live_session = (await session.execute(select(LiveSession))).scalar_one()
            if live_session.ended_at is not None:
                break
            await asyncio.sleep(0.02)
        assert live_session.ended_by_user_id == visit.doctor.id
        async with httpx.AsyncClient(base_url=live.base_url) as client:
            headers = await login(client, visit.patient_user.username)
            response = await client.post(
                "/api/v1/sessions/join-token", json={"room": visit.room}, headers=headers)
        assert response.status_code == 410
