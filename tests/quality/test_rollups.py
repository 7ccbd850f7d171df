"""Rollups: stored when a session ends, equal to a recomputation from the raw samples, made
by the catch-up job when the end was missed, and kept when raw samples are purged."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import (
    ParticipantQualityRollup,
    SessionQualityRecord,
    SessionQualityRollup,
)
from telehealth.quality import emodel
from telehealth.quality.tasks import purge_raw_samples, rollup_missed_sessions
from telehealth.sessions.platform import DatabasePlatform
from tests.conftest import T0
from tests.fixtures.http import seeding
from tests.quality.world import World, sample, uid, video_visit

STEP = timedelta(seconds=5)


async def _visit_with_samples(db: Database, world: World, *, ended: bool = True) -> str:
    async with seeding(db) as session:
        appointment = await video_visit(
            session, world, T0, ended_after=None)
    room = f"appointment:{appointment.id}"
    platform = DatabasePlatform(db, FrozenClock(T0))
    doctor, patient = uid(world.clinician), uid(world.patient_user)
    for n in range(1, 13):  # one minute of a steady link from the doctor's side
        await platform.store_quality(room, doctor, "pd", "sample", sample(n), T0 + n * STEP)
    # The patient's link: worse, a freeze, audio-only for the last 20 s, one reconnect.
    for n in range(1, 13):
        extra = {"rtt_ms": 250 + 10 * n, "jitter_ms": 20.0, "packets_lost": n * 20,
                 "freeze_count": 1 if n >= 6 else 0, "audio_only": n >= 9}
        await platform.store_quality(room, patient, "pp", "sample", sample(n, **extra),
                                     T0 + n * STEP)
    await platform.store_quality(
        room, patient, "pp", "event", {"name": "reconnected", "detail": {}}, T0 + 6 * STEP)
    await platform.flush()
    if ended:
        await platform.room_ended(room, doctor, T0 + 13 * STEP)
    return room


def _independent_loss(samples: list[dict[str, float]]) -> list[float]:
    out, lost0, received0 = [], 0.0, 0.0
    for s in samples:
        lost, received = s["packets_lost"] - lost0, s["packets_received"] - received0
        out.append(100 * lost / (lost + received))
        lost0, received0 = s["packets_lost"], s["packets_received"]
    return out


async def test_rollup_at_the_end_equals_a_recomputation_from_raw_samples(
    db: Database, world: World
) -> None:
    room = await _visit_with_samples(db, world)
    async with seeding(db) as session:
        rows = (await session.execute(
            select(SessionQualityRecord).where(SessionQualityRecord.kind == "sample")  # type: ignore[arg-type]
        )).scalars().all()
        stored = (await session.execute(select(SessionQualityRollup))).scalar_one()
        people = {p.user_id: p for p in (await session.execute(
            select(ParticipantQualityRollup))).scalars()}
    assert stored.room == room and stored.participants == 2

    for user in (world.clinician, world.patient_user):
        mine = sorted((r for r in rows if r.user_id == user.id), key=lambda r: r.recorded_at)
        payloads = [r.payload for r in mine]
        rtt = [p["rtt_ms"] for p in payloads]
        jitter = [p["jitter_ms"] for p in payloads]
        loss = _independent_loss(payloads)
        mos = [emodel.estimate(r, j, lo).mos for r, j, lo in zip(rtt, jitter, loss, strict=True)]
        p = people[user.id]
        assert p.samples == 12
        assert p.rtt_mean_ms == pytest.approx(statistics.fmean(rtt), abs=0.01)
        assert p.rtt_p95_ms == pytest.approx(
            statistics.quantiles(rtt, n=20, method="inclusive")[18], abs=0.01)
        assert p.jitter_mean_ms == pytest.approx(statistics.fmean(jitter), abs=0.01)
        assert p.loss_mean_percent == pytest.approx(statistics.fmean(loss), abs=0.01)
        assert p.loss_p95_percent == pytest.approx(
            statistics.quantiles(loss, n=20, method="inclusive")[18], abs=0.01)
        assert p.mos == pytest.approx(statistics.fmean(mos), abs=0.001)
        # 11 intervals of 5 s at 125 frames each: 25 fps while video flowed.
        assert len(p.series["points"]) == 12

    doctor, patient = people[world.clinician.id], people[world.patient_user.id]
    assert (doctor.fps_mean, doctor.freeze_count, doctor.reconnects) == (25.0, 0, 0)
    assert doctor.grade == "good"
    assert (patient.freeze_count, patient.reconnects, patient.audio_only_seconds) == (1, 1, 20.0)
    assert patient.grade == "fair"  # one reconnect and a third of the call without video
    assert stored.grade == "fair"  # the worst participant's
    assert stored.samples == 24 and stored.reconnects == 1 and stored.freeze_count == 1
    assert stored.rtt_mean_ms == pytest.approx(
        statistics.fmean(r.payload["rtt_ms"] for r in rows), abs=0.01)


async def test_the_catch_up_job_rolls_up_a_session_nobody_ended(
    db: Database, world: World, settings: Settings, clock: FrozenClock
) -> None:
    room = await _visit_with_samples(db, world, ended=False)
    ctx = JobContext(db, settings, clock, None)
    clock.set(T0 + timedelta(minutes=10))  # silent for 9 minutes: may still be going on
    assert await rollup_missed_sessions(ctx) == 0
    clock.set(T0 + timedelta(minutes=32))  # silent for 31 minutes
    assert await rollup_missed_sessions(ctx) == 1
    assert await rollup_missed_sessions(ctx) == 0  # once
    async with seeding(db) as session:
        stored = (await session.execute(select(SessionQualityRollup))).scalar_one()
    assert (stored.room, stored.samples, stored.ended_at) == (room, 24, None)


async def test_purge_deletes_old_raw_samples_in_batches_and_keeps_rollups(
    db: Database,
    world: World,
    settings: Settings,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from telehealth.quality import tasks

    await _visit_with_samples(db, world, ended=False)  # never rolled up before the purge
    async with seeding(db) as session:
        newer = await video_visit(session, world, T0 + timedelta(days=80))
    platform = DatabasePlatform(db, clock)
    await platform.store_quality(f"appointment:{newer.id}", uid(world.clinician), "pn", "sample",
                                 sample(1), T0 + timedelta(days=80))
    await platform.flush()
    monkeypatch.setattr(tasks, "PURGE_BATCH", 7)  # several batches
    clock.set(T0 + timedelta(days=91))
    deleted = await purge_raw_samples(JobContext(db, settings, clock, None))
    assert deleted == 25  # 24 samples and the reconnect event of the old session
    async with seeding(db) as session:
        left = (await session.execute(select(func.count()).select_from(SessionQualityRecord)))
        assert left.scalar_one() == 1  # the newer visit's sample stays
        rollups = (await session.execute(select(SessionQualityRollup))).scalars().all()
    # The old session was rolled up before its samples went.
    assert [r.samples for r in rollups] == [24]
