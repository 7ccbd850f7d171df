"""DatabasePlatform: what embedded signaling stores, and when a room counts as closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from signaling.platform import PlatformError
from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import LiveSession, SessionChatMessage, SessionQualityRecord
from telehealth.sessions.platform import DatabasePlatform
from tests.fixtures.http import seeding
from tests.sessions.builders import VideoVisit
from tests.sessions.conftest import START

T1 = START - timedelta(minutes=10)


async def test_chat_line_is_committed_when_store_chat_returns(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    await platform.store_chat(
        visit.room, str(visit.patient_user.id), "p1", "An", "Tôi bị ho 3 ngày", room_open.now())
    async with seeding(db) as session:  # a separate transaction sees it at once
        [line] = (await session.execute(select(SessionChatMessage))).scalars().all()
    assert (line.room, line.text, line.sent_at) == (visit.room, "Tôi bị ho 3 ngày", room_open.now())


async def test_chat_from_an_unknown_user_id_is_refused(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    with pytest.raises(PlatformError):
        await platform.store_chat(visit.room, "not-a-uuid", "p1", "An", "x", room_open.now())
    async with seeding(db) as session:
        assert (await session.execute(select(SessionChatMessage))).first() is None


async def test_quality_records_are_written_in_one_batch(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    uid, now = str(visit.doctor.id), room_open.now()
    for n in range(5):
        await platform.store_quality(visit.room, uid, "p1", "sample", {"rtt_ms": n}, now)
    await platform.store_quality(
        visit.room, uid, "p1", "event", {"name": "failed", "detail": {}}, room_open.now())
    assert await platform.flush() == 6
    async with seeding(db) as session:
        rows = (await session.execute(select(SessionQualityRecord))).scalars().all()
    assert sorted(r.payload.get("rtt_ms", -1) for r in rows) == [-1, 0, 1, 2, 3, 4]
    assert [r.name for r in rows if r.kind == "event"] == ["failed"]


async def test_a_bad_record_does_not_lose_the_rest_of_its_batch(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    await platform.store_quality(visit.room, "bogus", "p1", "sample", {}, T1)
    await platform.store_quality(visit.room, str(visit.doctor.id), "p1", "sample", {}, T1)
    assert await platform.flush() == 1


async def test_background_writer_stores_samples_and_stop_flushes(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open, batch_linger=60)
    await platform.start()
    await platform.store_quality(visit.room, str(visit.doctor.id), "p1", "sample", {}, T1)
    await platform.stop()  # long before the linger: stop must still write it
    async with seeding(db) as session:
        assert len((await session.execute(select(SessionQualityRecord))).all()) == 1


async def test_room_ended_closes_the_room(
    db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    assert await platform.is_room_closed(visit.room) is False
    await platform.room_ended(visit.room, str(visit.doctor.id), room_open.now())
    assert await platform.is_room_closed(visit.room) is True
    async with seeding(db) as session:
        live = (await session.execute(select(LiveSession))).scalar_one()
    assert (live.ended_by_user_id, live.ended_at) == (visit.doctor.id, room_open.now())


async def test_appointment_room_is_closed_outside_its_window_and_when_unknown(
    db: Database, visit: VideoVisit, clock: FrozenClock
) -> None:
    platform = DatabasePlatform(db, clock)
    clock.set(START - timedelta(minutes=20))
    assert await platform.is_room_closed(visit.room) is True
    clock.set(START + timedelta(minutes=95))
    assert await platform.is_room_closed(visit.room) is True
    assert await platform.is_room_closed("appointment:0193aaaa-0000-7000-8000-000000000000")
    assert await platform.is_room_closed("nonsense") is True
