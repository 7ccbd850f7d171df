"""The hourly job that keeps every active practitioner's slots materialised to the horizon."""

from __future__ import annotations

import logging

from telehealth.jobs import JobContext
from telehealth.scheduling import repository
from telehealth.scheduling.service import SyncResult, sync_practitioners

log = logging.getLogger(__name__)

# Practitioners per transaction: short transactions keep row locks and SQLite's single
# write lock brief, so bookings are never kept waiting behind the job.
BATCH = 25


async def extend_slots(ctx: JobContext) -> SyncResult:
    """Materialise slots up to `slot_horizon_days` ahead for every active practitioner.

    Safe with several workers: each batch locks its practitioner rows with SKIP LOCKED, so
    a second worker (or an admin saving a rule) simply skips rows another one is handling,
    and inserts are ON CONFLICT DO NOTHING. Conflicts were already reported to the admin
    and the practitioner when the schedule changed, so the job does not notify again.
    """
    async for session in ctx.db.transaction():
        ids = await repository.active_practitioner_ids(session)
    total = SyncResult()
    for i in range(0, len(ids), BATCH):
        async for session in ctx.db.transaction():
            result = await sync_practitioners(
                session,
                ids[i : i + BATCH],
                now=ctx.clock.now(),
                horizon_days=ctx.settings.slot_horizon_days,
                skip_locked=True,
            )
        total.created += result.created
        total.deleted += result.deleted
        total.conflicts.extend(result.conflicts)
    if total.created or total.deleted:
        log.info("slots: %d created, %d withdrawn", total.created, total.deleted)
    return total
