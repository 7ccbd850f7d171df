"""Time FHIR write-back through the outbox: signed bundles enqueued, delivered to the test server.

.venv/bin/python -m benchmarks.fhir_delivery [--messages 500] [--database-url URL]

Two runs against tests/fhir_server (node, in memory, started here on a free port):
1. backlog: N signed bundles are enqueued first, then the dispatcher drains them; gives
   delivery throughput and how long the last of a burst waits.
2. steady: a producer enqueues bundles at a fixed rate while the outbox job runs at its
   production interval (5 s); gives the enqueue→delivered latency a clinician would see.
Latencies are `delivered_at − created_at` as stored in the database (system clock).
Default database: a fresh SQLite file; pass a PostgreSQL URL to measure that instead.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import telehealth.models  # noqa: F401  (every table, for create_all)
from telehealth.clock import SystemClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import OutboxMessage, OutboxStatus
from telehealth.outbox.dispatcher import Dispatcher
from telehealth.outbox.fhir_handler import FHIR_BUNDLE, delivery_handlers, fhir_bundle_payload
from telehealth.outbox.service import enqueue
from telehealth.outbox.tasks import OutboxJob
from telehealth.signatures.canonical import canonical_json
from telehealth.signatures.keys import SigningKey, key_id_for
from telehealth.signatures.signing import sign
from tests.fixtures.fhir_bundles import encounter_summary_bundle
from tests.fixtures.fhir_server import FhirTestServer

JOB_INTERVAL_SECONDS = 5.0  # as registered in telehealth/jobs.py


def signed_bundle(key: SigningKey, clock: SystemClock) -> dict[str, Any]:
    bundle = encounter_summary_bundle()
    signature = sign(bundle, key, clock=clock)
    bundle["signature"] = {
        "type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}],
        "when": signature.signed_at.isoformat().replace("+00:00", "Z"),
        "who": {"identifier": bundle["entry"][1]["resource"]["identifier"][0]},
        "data": base64.b64encode(canonical_json(signature.to_dict())).decode(),
    }
    return bundle


async def enqueue_one(db: Database, key: SigningKey, clock: SystemClock) -> None:
    async for session in db.transaction():
        await enqueue(
            session,
            kind=FHIR_BUNDLE,
            key=f"bench:{uuid.uuid4()}",
            payload=fhir_bundle_payload(signed_bundle(key, clock)),
            now=clock.now(),
        )


async def latencies(db: Database) -> list[float]:
    async for session in db.transaction():
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        for row in rows:
            await session.delete(row)  # the next run starts from an empty outbox
    delivered = [r for r in rows if r.status == OutboxStatus.delivered and r.delivered_at]
    if len(delivered) != len(rows):
        raise SystemExit(f"only {len(delivered)} of {len(rows)} delivered")
    return [(r.delivered_at - r.created_at).total_seconds() for r in delivered]  # type: ignore[operator]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def backlog(db: Database, settings: Settings, key: SigningKey, n: int) -> None:
    clock = SystemClock()
    start = time.perf_counter()
    for _ in range(n):
        await enqueue_one(db, key, clock)
    enqueue_s = time.perf_counter() - start
    start = time.perf_counter()
    async with delivery_handlers(settings, clock, OutboxJob().tokens) as (handlers, waiting):
        dispatcher = Dispatcher(
            db, settings=settings, clock=clock, handlers=handlers, waiting=waiting
        )
        report = await dispatcher.run_until_idle(limit=50, max_batches=10_000)
    drain_s = time.perf_counter() - start
    lat = await latencies(db)
    print(
        f"backlog: {n} signed bundles enqueued (and signed) in {enqueue_s:.2f} s "
        f"({n / enqueue_s:.0f}/s)"
    )
    print(
        f"backlog: delivered {report.delivered} in {drain_s:.2f} s = {n / drain_s:.0f} bundles/s "
        f"({5 * n / drain_s:.0f} resources/s)"
    )
    print(
        f"backlog: enqueue→delivered p50 {pct(lat, 50):.2f} s, p99 {pct(lat, 99):.2f} s "
        f"(a burst queues behind itself)"
    )


@contextlib.asynccontextmanager
async def outbox_job_running(ctx: JobContext) -> AsyncIterator[None]:
    """The outbox job every JOB_INTERVAL_SECONDS, as `telehealth worker` runs it, and once
    more on the way out so the last deliveries are counted."""
    job = OutboxJob()
    stop = asyncio.Event()

    async def run_job() -> None:
        while not stop.is_set():
            await job(ctx)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), JOB_INTERVAL_SECONDS)
        await job(ctx)  # the last ones

    runner = asyncio.create_task(run_job())
    try:
        yield
    finally:
        stop.set()
        await runner


async def steady(
    db: Database, settings: Settings, key: SigningKey, rate: float, seconds: float
) -> None:
    clock = SystemClock()
    async with outbox_job_running(JobContext(db, settings, clock, None)):
        count = int(rate * seconds)
        start = time.perf_counter()
        for i in range(count):
            await enqueue_one(db, key, clock)
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.perf_counter()))
        await asyncio.sleep(JOB_INTERVAL_SECONDS + 1)
    lat = await latencies(db)
    print(
        f"steady: {count} bundles at {rate:.0f}/s, job every {JOB_INTERVAL_SECONDS:.0f} s: "
        f"enqueue→delivered p50 {pct(lat, 50):.2f} s, p99 {pct(lat, 99):.2f} s, "
        f"max {max(lat):.2f} s"
    )


async def main_async(args: argparse.Namespace) -> None:
    server = FhirTestServer()
    server.start()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    settings = Settings(
        environment="test",
        database_url=url,
        vhr_base_url=server.base_url,
        vhr_token_url=server.token_url,
        vhr_client_id=server.client_id,
        vhr_client_secret=server.client_secret,
    )
    db = Database(settings)
    private = Ed25519PrivateKey.generate()
    key = SigningKey(key_id_for(private.public_key().public_bytes_raw()), private)
    try:
        print(f"database: {url.split(':', 1)[0]}; FHIR server: {server.base_url}")
        await backlog(db, settings, key, args.messages)
        await steady(db, settings, key, args.rate, args.seconds)
    finally:
        await db.dispose()
        server.close()
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="steady run: bundles per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="steady run: how long")
    parser.add_argument("--database-url", default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
