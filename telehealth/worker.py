"""`telehealth worker`: the periodic jobs without HTTP, for production's dedicated workers."""

from __future__ import annotations

import asyncio
import logging
import signal

from telehealth.bus import create_bus
from telehealth.clock import SystemClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext, JobRunner, registered_jobs

log = logging.getLogger(__name__)


async def run_worker(
    settings: Settings, *, once: bool = False, metrics_port: int | None = None
) -> None:
    db = Database(settings)
    bus = create_bus(settings)
    ctx = JobContext(db, settings, SystemClock(), bus)
    metrics = None
    if metrics_port is not None and not once:
        from telehealth.observability.server import MetricsServer

        metrics = MetricsServer(settings, db, ctx.clock, port=metrics_port)
        await metrics.start()
    try:
        if once:
            for job in registered_jobs():
                await job.run(ctx)
            return
        runner = JobRunner(ctx, registered_jobs())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner.start()
        log.info("worker running %d jobs", len(runner.jobs))
        await stop.wait()
        await runner.stop()
    finally:
        if metrics is not None:
            await metrics.stop()
        await bus.close()
        await db.dispose()
