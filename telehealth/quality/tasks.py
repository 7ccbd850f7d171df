"""Periodic jobs: roll up sessions whose end was missed, purge raw samples past retention.

Both are safe in several workers at once: a rollup replaces the room's rows in one
transaction (two workers computing it store the same figures), and the purge deletes
by primary key, so two workers at worst delete disjoint or already-deleted rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telehealth.jobs import JobContext
from telehealth.quality import repository
from telehealth.quality.rollups import rollup_room

log = logging.getLogger(__name__)

ROLLUP_BATCH = 50
PURGE_BATCH = 5000
# A purge run stops after this many batches; the next run continues (short transactions,
# so the purge never holds SQLite's write lock long enough to stall live ingestion).
PURGE_MAX_BATCHES = 200


async def _roll_up(ctx: JobContext, rooms: list[str]) -> int:
    done = 0
    for room in rooms:
        try:
            async for session in ctx.db.transaction():
                if await rollup_room(session, room, ctx.clock.now()) is not None:
                    done += 1
        except Exception:  # one broken session must not stop the others
            log.exception("quality rollup failed (room %s)", room)
    return done


async def rollup_missed_sessions(ctx: JobContext) -> int:
    """Sessions that ended without a rollup, or that nobody ended and went quiet."""
    now = ctx.clock.now()
    idle = now - timedelta(minutes=ctx.settings.quality_rollup_idle_minutes)
    rooms: list[str] = []
    async for session in ctx.db.transaction():
        rooms = await repository.rooms_to_roll_up(
            session, ended_before=now, idle_since=idle, limit=ROLLUP_BATCH
        )
    done = await _roll_up(ctx, rooms)
    if done:
        log.info("quality: rolled up %d sessions", done)
    return done


async def purge_raw_samples(ctx: JobContext) -> int:
    """Delete raw samples older than the retention, in batches, after rolling them up."""
    cutoff = ctx.clock.now() - timedelta(days=ctx.settings.quality_raw_retention_days)
    while True:
        rooms: list[str] = []
        async for session in ctx.db.transaction():
            rooms = await repository.rooms_with_raw_before(session, cutoff, ROLLUP_BATCH)
        if not rooms or await _roll_up(ctx, rooms) == 0:
            break
    deleted = 0
    for _ in range(PURGE_MAX_BATCHES):
        count = 0
        async for session in ctx.db.transaction():
            count = await repository.purge_raw_batch(session, cutoff, PURGE_BATCH)
        deleted += count
        if count < PURGE_BATCH:
            break
    if deleted:
        log.info("quality: purged %d raw samples older than %s", deleted, cutoff.date())
    return deleted
