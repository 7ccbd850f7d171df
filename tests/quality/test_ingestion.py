"""Ingestion through the real DatabasePlatform: hostile input is dropped and counted, a
flooding peer loses only its own records, and everyone else's samples are stored."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from signaling.platform import QualityRecord
from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import SessionQualityRecord
from telehealth.sessions.platform import DatabasePlatform
from tests.conftest import T0
from tests.fixtures.http import seeding
from tests.quality.world import World, sample, uid, video_visit


async def _count(db: Database, peer_id: str | None = None) -> int:
    statement = select(func.count()).select_from(SessionQualityRecord)
    if peer_id is not None:
        statement = statement.where(SessionQualityRecord.peer_id == peer_id)  # type: ignore[arg-type]
    async with seeding(db) as session:
        return int((await session.execute(statement)).scalar_one())


async def _room(db: Database, world: World) -> str:
    async with seeding(db) as session:
        appointment = await video_visit(session, world, T0)
    return f"appointment:{appointment.id}"


HOSTILE: list[tuple[str, Any, str]] = [
    ("sample", {"rtt_ms": math.nan}, "bad_number"),
    ("sample", {"jitter_ms": math.inf}, "bad_number"),
    ("sample", {"rtt_ms": "NaN"}, "bad_number"),
    ("sample", {"rtt_ms": 10**400}, "out_of_range"),
    ("sample", {"bitrate_in_kbps": 1e300}, "out_of_range"),
    ("sample", {"packets_received": -5}, "out_of_range"),
    ("sample", {"audio_only": "yes"}, "bad_flag"),
    ("sample", {"ts": "x" * 10_000}, "bad_text"),
    ("sample", ["not", "an", "object"], "not_an_object"),
    ("sample", {"rtt_ms": True}, "bad_number"),
    ("event", {"name": "drop-table", "detail": {}}, "unknown_event"),
    ("event", {"name": "failed", "detail": "boom"}, "bad_detail"),
    ("nonsense", {}, "bad_kind"),
]


async def test_hostile_samples_are_dropped_and_counted_and_good_ones_stored(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock)
    me = uid(world.patient_user)
    for kind, payload, _ in HOSTILE:
        await platform.store_quality(room, me, "hostile", kind, payload, clock.now())  # type: ignore[arg-type]
    await platform.store_quality(room, "not-a-uuid", "hostile", "sample", {}, clock.now())
    await platform.store_quality(room, me, "hostile", "sample", {}, T0.replace(tzinfo=None))
    await platform.store_quality(room, uid(world.clinician), "good", "sample", sample(1), T0)
    await platform.store_quality(
        room, uid(world.clinician), "good", "event", {"name": "reconnected", "detail": {}}, T0)

    assert await platform.flush() == 2
    expected: dict[str, int] = {}
    for _, _, reason in HOSTILE:
        expected[reason] = expected.get(reason, 0) + 1
    expected["bad_user"] = 1
    expected["bad_time"] = 1
    status = platform.status()
    assert status["invalid"] == dict(sorted(expected.items()))
    assert status["invalid_total"] == len(HOSTILE) + 2
    assert (status["accepted"], status["written"]) == (2, 2)
    assert await _count(db, "hostile") == 0
    assert await _count(db, "good") == 2


async def test_unknown_keys_are_kept_trimmed_to_short_scalars(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock)
    payload = {**sample(1), "codec": "opus", "nested": {"a": [1] * 1000}, "long": "y" * 500,
               **{f"k{i}": i for i in range(40)}}
    await platform.store_quality(room, uid(world.clinician), "p", "sample", payload, T0)
    await platform.flush()
    async with seeding(db) as session:
        stored = (await session.execute(select(SessionQualityRecord))).scalar_one().payload
    assert stored["codec"] == "opus" and stored["rtt_ms"] == payload["rtt_ms"]
    assert "nested" not in stored and "long" not in stored
    assert len(set(stored) - set(sample(1))) == 16  # MAX_EXTRA_KEYS


async def test_a_flooding_peer_cannot_starve_the_others(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock, max_pending=500, per_peer_pending=64)
    doctor, patient = uid(world.clinician), uid(world.patient_user)
    # One client sends 10,000 samples before the writer runs; 50 honest peers send one each.
    for n in range(10_000):
        await platform.store_quality(room, patient, "flood", "sample", sample(n), T0)
    for peer in range(50):
        await platform.store_quality(room, doctor, f"honest-{peer}", "sample", sample(1), T0)
    assert platform.status()["dropped_peer_cap"] == 10_000 - 64
    assert await platform.flush() == 64 + 50
    assert await _count(db, "flood") == 64
    for peer in range(50):
        assert await _count(db, f"honest-{peer}") == 1


async def test_when_the_buffer_is_full_a_newcomer_pushes_out_the_longest_queue(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock, max_pending=100, per_peer_pending=60)
    doctor = uid(world.clinician)
    for peer in ("a", "b"):
        for n in range(60):
            await platform.store_quality(room, doctor, peer, "sample", sample(n), T0)
    # Once the buffer was full, b still got in up to its equal share, at a's expense.
    assert platform.pending == 100
    for peer in range(10):
        await platform.store_quality(room, doctor, f"late-{peer}", "sample", sample(1), T0)
    assert platform.pending == 100
    await platform.flush()
    for peer in range(10):
        assert await _count(db, f"late-{peer}") == 1
    # The longest queue made room each time: a and b gave up five each.
    assert (await _count(db, "a"), await _count(db, "b")) == (45, 45)


async def test_the_background_writer_batches_and_never_raises(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock, batch_linger=0.01, max_batch=100)
    await platform.start()
    try:
        for n in range(450):
            await platform.store_quality(
                room, uid(world.clinician), f"p{n % 9}", "sample", sample(n),
                T0 + timedelta(seconds=n))
            await platform.store_quality(
                room, uid(world.clinician), "x", "sample", {"rtt_ms": -1}, T0)
    finally:
        await platform.stop()
    assert await _count(db) == 450
    assert platform.status()["batches"] >= 5
    assert platform.status()["invalid"] == {"out_of_range": 450}


async def test_the_writer_does_not_linger_over_a_whole_batch(
    db: Database, world: World, clock: FrozenClock
) -> None:
    room = await _room(db, world)
    platform = DatabasePlatform(db, clock, batch_linger=60, max_batch=100)
    await platform.start()
    try:
        await platform.store_quality(room, uid(world.clinician), "p0", "sample", sample(0), T0)
        await asyncio.sleep(0.2)
        assert platform.pending == 1  # one record: the writer lingers for more
        await platform.store_quality_many(
            QualityRecord(room, uid(world.clinician), f"p{n % 9}", "sample", sample(n), T0)
            for n in range(1, 150)
        )
        for _ in range(100):  # a whole batch is there: written long before the linger
            if await _count(db) == 150:
                break
            await asyncio.sleep(0.05)
        assert await _count(db) == 150
    finally:
        await platform.stop()


async def test_past_half_full_the_hand_over_waits_for_the_writer(
    db: Database, world: World, clock: FrozenClock
) -> None:
    """Backpressure: signaling's queue fills (and sheds unparsed) instead of this buffer
    checking records only to drop them."""
    room = await _room(db, world)
    doctor = uid(world.clinician)
    platform = DatabasePlatform(db, clock, batch_linger=0.3, max_pending=100, per_peer_pending=64)

    def records(peer: str, count: int) -> list[QualityRecord]:
        return [QualityRecord(room, doctor, peer, "sample", sample(n), T0) for n in range(count)]

    # Without a running writer nothing would ever make room: the hand-over never waits.
    await asyncio.wait_for(platform.store_quality_many(records("a", 60)), 1)
    assert platform.pending == 60 and platform.status()["backpressure_waits"] == 0
    await platform.flush()

    await platform.start()
    try:
        await platform.store_quality_many(records("a", 60))  # from empty to past half full
        late = asyncio.create_task(platform.store_quality_many(records("b", 10)))
        await asyncio.sleep(0.1)  # the writer is still lingering
        assert not late.done()
        assert platform.pending == 60 and platform.status()["backpressure_waits"] == 1
        await asyncio.wait_for(late, 5)  # the writer wrote a's records, then b got in
    finally:
        await platform.stop()
    assert platform.status()["dropped_full"] == 0
    assert await _count(db, "a") == 120 and await _count(db, "b") == 10
