"""Two dispatchers at once (two workers, two connection pools) never deliver a message twice.

Runs on PostgreSQL (FOR UPDATE SKIP LOCKED) and on SQLite (guarded UPDATE claims).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import OutboxStatus
from telehealth.outbox.dispatcher import Dispatcher
from tests.outbox.helpers import enqueue_committed, load_all

MESSAGES = 40


class SlowHandler:
    """Holds each delivery open a little, so the two workers' claims overlap in time."""

    def __init__(self) -> None:
        self.delivered: Counter[int] = Counter()
        self.by_worker: Counter[str] = Counter()

    def for_worker(self, worker: str) -> Any:
        async def deliver(payload: dict[str, Any]) -> dict[str, Any]:
            await asyncio.sleep(0.02)
            self.delivered[payload["n"]] += 1
            self.by_worker[worker] += 1
            return {}

        return deliver


@pytest.fixture
async def two_workers(settings: Settings) -> AsyncIterator[tuple[Database, Database]]:
    first, second = Database(settings), Database(settings)
    yield first, second
    await first.dispose()
    await second.dispose()


async def _race(
    settings: Settings, clock: FrozenClock, dbs: tuple[Database, Database]
) -> SlowHandler:
    for n in range(MESSAGES):
        await enqueue_committed(
            dbs[0], now=clock.now(), key=f"race:{uuid.uuid4()}", payload={"n": n}
        )
    handler = SlowHandler()
    dispatchers = [
        Dispatcher(
            db,
            settings=settings,
            clock=clock,
            worker=name,
            handlers={"test.echo": handler.for_worker(name)},
        )
        for db, name in zip(dbs, ("worker-a", "worker-b"), strict=True)
    ]
    await asyncio.gather(*(d.run_until_idle(limit=5, max_batches=100) for d in dispatchers))
    return handler


async def test_two_dispatchers_deliver_each_message_exactly_once(
    settings: Settings, clock: FrozenClock, two_workers: tuple[Database, Database]
) -> None:
    handler = await _race(settings, clock, two_workers)
    assert handler.delivered == Counter({n: 1 for n in range(MESSAGES)})
    assert set(handler.by_worker) == {"worker-a", "worker-b"}  # the claims really overlapped
    assert {r.status for r in await load_all(two_workers[0])} == {OutboxStatus.delivered}
