"""The internal API a standalone signaling service calls (HttpPlatform), with its service token."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from signaling.platform import INTERNAL_PREFIX, HttpPlatform, QualityRecord
from signaling.tokens import derive_service_token
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import (
    LiveSession,
    SessionChatMessage,
    SessionQualityRecord,
    SessionQualityRollup,
)
from tests.fixtures.http import login, seeding
from tests.sessions.builders import VideoVisit

TS = "2026-11-23T01:20:00.000Z"


def _platform(client: httpx.AsyncClient, settings: Settings) -> HttpPlatform:
    return HttpPlatform(client, derive_service_token(settings.secret_key))


async def test_without_the_service_token_nothing_is_stored(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    body = {"room": visit.room, "user_id": str(visit.doctor.id), "peer_id": "p",
            "display_name": "B", "text": "x", "ts": TS}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = await client.post(f"{INTERNAL_PREFIX}/chat", json=body, headers=headers)
        assert response.status_code == 401
    async with seeding(db) as session:
        assert (await session.execute(select(SessionChatMessage))).first() is None


def _sample_body(visit: VideoVisit) -> dict[str, object]:
    """One quality record as standalone signaling posts it."""
    return {"room": visit.room, "user_id": str(visit.doctor.id), "peer_id": "p",
            "kind": "sample", "payload": {"rtt_ms": 20}, "ts": TS}


async def test_quality_and_room_end_refuse_a_caller_without_the_service_token(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, visit: VideoVisit,
    room_open: FrozenClock,
) -> None:
    record = _sample_body(visit)
    calls = [("/quality/batch", {"records": [record]}), ("/quality", record),
             ("/room-ended", {"room": visit.room, "user_id": str(visit.doctor.id), "ts": TS})]
    # No token, a wrong one, and a real user's (the room's own doctor): only the service's.
    user = await login(client, visit.doctor.username)
    for path, body in calls:
        for headers in ({}, {"Authorization": "Bearer wrong"}, user):
            response = await client.post(f"{INTERNAL_PREFIX}{path}", json=body, headers=headers)
            assert response.status_code == 401, path
    assert app.state.live_sessions.platform.pending == 0
    assert await _platform(client, settings).is_room_closed(visit.room) is False


async def test_an_oversized_quality_batch_is_refused_whole(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, visit: VideoVisit,
    room_open: FrozenClock,
) -> None:
    token = derive_service_token(settings.secret_key)
    response = await client.post(
        f"{INTERNAL_PREFIX}/quality/batch", json={"records": [_sample_body(visit)] * 2001},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert app.state.live_sessions.platform.pending == 0


async def test_http_platform_stores_chat_quality_and_end_through_the_api(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, db: Database,
    visit: VideoVisit, room_open: FrozenClock,
) -> None:
    platform = _platform(client, settings)
    uid, now = str(visit.doctor.id), room_open.now()
    assert await platform.is_room_closed(visit.room) is False
    await platform.store_chat(visit.room, uid, "p1", "BS Bình", "Chào anh", now)
    await platform.store_quality_many([QualityRecord(visit.room, uid, "p1", "sample",
                                                     {"rtt_ms": 20}, now)])
    await platform.room_ended(visit.room, uid, now)
    assert await platform.is_room_closed(visit.room) is True
    # As with embedded signaling, the end writes the room's buffered samples (quality goes
    # through the same buffer, written in batches) and rolls the session up.
    assert await app.state.live_sessions.platform.flush() == 0
    async with seeding(db) as session:
        chat = (await session.execute(select(SessionChatMessage))).scalar_one()
        sample = (await session.execute(select(SessionQualityRecord))).scalar_one()
        live = (await session.execute(select(LiveSession))).scalar_one()
        rollup = (await session.execute(select(SessionQualityRollup))).scalar_one()
    assert (chat.text, chat.sent_at) == ("Chào anh", now)
    assert sample.payload == {"rtt_ms": 20}
    assert live.ended_at == now
    assert rollup.room == visit.room


async def test_unknown_room_kind_answers_404_which_counts_as_closed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert await _platform(client, settings).is_room_closed("lobby:1") is True
    response = await client.get(
        f"{INTERNAL_PREFIX}/rooms/lobby%3A1/closed",
        headers={"Authorization": f"Bearer {derive_service_token(settings.secret_key)}"})
    assert response.status_code == 404


async def test_a_quality_batch_keeps_its_good_records_and_counts_the_bad_ones(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, db: Database,
    visit: VideoVisit, room_open: FrozenClock,
) -> None:
    platform = _platform(client, settings)
    uid, now = str(visit.doctor.id), room_open.now()
    await platform.store_quality_many([
        QualityRecord(visit.room, uid, "p1", "sample", {"rtt_ms": 20}, now),
        QualityRecord(visit.room, uid, "p1", "sample", {"rtt_ms": 10**9}, now),  # no link
        QualityRecord(visit.room, uid, "p1", "event", {"name": "failed", "detail": {}}, now),
    ])
    live = app.state.live_sessions.platform
    assert await live.flush() == 2
    assert live.counters.invalid == {"out_of_range": 1}
    async with seeding(db) as session:
        rows = (await session.execute(select(SessionQualityRecord))).scalars().all()
    assert sorted(r.kind for r in rows) == ["event", "sample"]
