"""Periodic background jobs: run inside `telehealth serve` (embedded) or `telehealth worker`.

Every job must be safe to run in several processes at once (guarded UPDATEs or
FOR UPDATE SKIP LOCKED), because production runs several workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.observability.jobs import observe_job

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    db: Database
    settings: Settings
    clock: Clock
    bus: Any


JobFunc = Callable[[JobContext], Awaitable[Any]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: JobFunc


def registered_jobs() -> list[PeriodicJob]:
    """The platform's periodic jobs. Imported lazily: jobs live in the domains' tasks.py."""
    jobs: list[PeriodicJob] = []
    from telehealth.booking import tasks as booking_tasks
    from telehealth.consultations import tasks as consultation_tasks
    from telehealth.notifications import tasks as notification_tasks
    from telehealth.outbox import tasks as outbox_tasks
    from telehealth.quality import tasks as quality_tasks
    from telehealth.scheduling import tasks as scheduling_tasks

    jobs.append(PeriodicJob("scheduling.extend_slots", 3600, scheduling_tasks.extend_slots))
    jobs.append(PeriodicJob("booking.reminders", 60, booking_tasks.send_due_reminders))
    jobs.append(PeriodicJob("notifications.email", 30, notification_tasks.deliver_pending_emails))
    # Every 5 s: an indexed read when nothing is due, so cheap; deliveries start promptly.
    jobs.append(PeriodicJob("outbox.dispatch", 5, outbox_tasks.OutboxJob()))
    jobs.append(
        PeriodicJob("consultations.escalate_overdue", 60, consultation_tasks.escalate_overdue)
    )
    jobs.append(PeriodicJob("consultations.expire_stale", 300, consultation_tasks.expire_stale))
    from telehealth.audit import tasks as audit_tasks

    # Entries after the last signed checkpoint are only hash-chained: sign heads every minute.
    jobs.append(PeriodicJob("audit.checkpoint", 60, audit_tasks.checkpoint))
    jobs.append(
        PeriodicJob("quality.rollup_missed_sessions", 300, quality_tasks.rollup_missed_sessions)
    )
    jobs.append(PeriodicJob("quality.purge_raw_samples", 3600, quality_tasks.purge_raw_samples))
    return jobs


class JobRunner:
    def __init__(self, ctx: JobContext, jobs: list[PeriodicJob]) -> None:
        self.ctx = ctx
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            try:
                with observe_job(job.name):
                    await job.run(self.ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; it runs again next interval", job.name)
            await asyncio.sleep(job.interval_seconds)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
