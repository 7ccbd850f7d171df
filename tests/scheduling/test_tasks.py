"""The hourly extend_slots job: extends to the horizon, idempotent, safe with two workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import Slot
from telehealth.scheduling.tasks import extend_slots
from tests.fixtures import factories
from tests.fixtures.http import seeding
from tests.scheduling.helpers import count, rule, slots_of


async def test_job_extends_the_horizon_as_time_passes(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        await rule(s, doc, weekday=1, slot_minutes=60)  # Tuesdays, two slots
    ctx = JobContext(db, settings.model_copy(update={"slot_horizon_days": 14}), clock, None)
    first = await extend_slots(ctx)
    assert first.created == 4  # 24 Nov and 1 Dec
    clock.advance(timedelta(days=7))
    later = await extend_slots(ctx)
    assert later.created == 2  # 8 Dec comes into the horizon
    async with seeding(db) as s:
        assert len(await slots_of(s, doc.id)) == 6


async def test_job_skips_inactive_practitioners_and_repeats_cleanly(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        active = await factories.practitioner(s, fac.id)
        retired = await factories.practitioner(s, fac.id)
        retired.is_active = False
        for p in (active, retired):
            await rule(s, p, weekday=3)
    ctx = JobContext(db, settings, clock, None)
    await extend_slots(ctx)
    again = await extend_slots(ctx)
    assert (again.created, again.deleted) == (0, 0)
    async with seeding(db) as s:
        assert await slots_of(s, retired.id) == []
        assert len(await slots_of(s, active.id)) == 32


async def test_two_workers_at_once_never_duplicate_slots(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        for _ in range(30):  # more than one batch
            p = await factories.practitioner(s, fac.id)
            await rule(s, p, weekday=2, slot_minutes=20)
    ctx = JobContext(db, settings, clock, None)
    results = await asyncio.gather(extend_slots(ctx), extend_slots(ctx))
    async with seeding(db) as s:
        total = await count(s, Slot)
    # 30 practitioners x 8 Wednesdays x 6 slots, each created exactly once between them.
    assert total == 30 * 8 * 6
    assert sum(r.created for r in results) == total
