"""The dispatcher with in-process handlers: claims, outcomes, backoff, dead letters, leases."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import OutboxStatus
from telehealth.outbox import repository
from telehealth.outbox.dispatcher import DeliveryHandler, Dispatcher
from telehealth.outbox.errors import PermanentDeliveryError, TransientDeliveryError
from tests.outbox.helpers import enqueue_committed, load, load_all


class Recorder:
    """A handler that succeeds, or raises what it was told to, and remembers each call."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.payloads: list[dict[str, Any]] = []

    async def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.payloads.append(payload)
        if self.error is not None:
            raise self.error
        return {"ok": payload.get("n")}


def dispatcher(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    handler: DeliveryHandler,
    *,
    worker: str = "w1",
) -> Dispatcher:
    return Dispatcher(
        db,
        settings=settings,
        clock=clock,
        handlers={"test.echo": handler},
        worker=worker,
        rng=random.Random(1),
    )


async def test_nothing_due_is_a_no_op(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    report = await dispatcher(database, settings, clock, Recorder()).run_once()
    assert report.claimed == 0


async def test_a_due_message_is_delivered_and_the_answer_kept(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now(), payload={"n": 7})
    handler = Recorder()

    report = await dispatcher(database, settings, clock, handler).run_once()

    assert (report.claimed, report.delivered) == (1, 1)
    message = await load(database, message_id)
    assert message.status == OutboxStatus.delivered
    assert (message.attempts, message.delivered_at, message.result) == (1, clock.now(), {"ok": 7})
    assert (message.locked_by, message.locked_until) == (None, None)


async def test_a_delivered_message_is_not_sent_again(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    await enqueue_committed(database, now=clock.now())
    handler = Recorder()
    await dispatcher(database, settings, clock, handler).run_once()
    clock.advance(timedelta(days=1))
    await dispatcher(database, settings, clock, handler).run_once()
    assert len(handler.payloads) == 1


async def test_a_transient_failure_records_the_attempt_and_a_backoff(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(TransientDeliveryError("HTTP 503: down"))

    report = await dispatcher(database, settings, clock, handler).run_once()

    assert report.retrying == 1
    message = await load(database, message_id)
    assert message.status == OutboxStatus.pending
    assert (message.attempts, message.last_error, message.last_attempt_at) == (
        1,
        "HTTP 503: down",
        clock.now(),
    )
    wait = message.next_attempt_at - clock.now()
    assert timedelta(0) < wait <= timedelta(seconds=settings.outbox_base_delay_seconds)
    assert message.locked_by is None


async def test_a_failed_message_waits_for_its_next_attempt(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(TransientDeliveryError("down"))
    await dispatcher(database, settings, clock, handler).run_once()
    next_at = (await load(database, message_id)).next_attempt_at

    clock.set(next_at - timedelta(microseconds=1))
    assert (await dispatcher(database, settings, clock, handler).run_once()).claimed == 0
    clock.set(next_at)
    assert (await dispatcher(database, settings, clock, handler).run_once()).claimed == 1
    assert (await load(database, message_id)).attempts == 2


async def test_the_backoff_window_grows_with_each_attempt_up_to_the_cap(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings = settings.model_copy(
        update={
            "outbox_base_delay_seconds": 10,
            "outbox_max_delay_seconds": 40,
            "outbox_max_attempts": 99,
        }
    )
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(TransientDeliveryError("down"))
    for ceiling in [10, 20, 40, 40, 40]:
        await dispatcher(database, settings, clock, handler).run_once()
        wait = (await load(database, message_id)).next_attempt_at - clock.now()
        assert timedelta(0) <= wait <= timedelta(seconds=ceiling)
        clock.advance(timedelta(seconds=ceiling))


async def test_a_message_is_dead_after_the_last_allowed_attempt(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings = settings.model_copy(update={"outbox_max_attempts": 3})
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(TransientDeliveryError("down"))
    outcomes = []
    for _ in range(5):
        report = await dispatcher(database, settings, clock, handler).run_once()
        outcomes.append((report.retrying, report.dead))
        clock.advance(timedelta(seconds=settings.outbox_max_delay_seconds))

    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    message = await load(database, message_id)
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.dead, 3, "down")


async def test_a_permanent_refusal_is_dead_at_once(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(PermanentDeliveryError("HTTP 400: Encounter.status required"))

    report = await dispatcher(database, settings, clock, handler).run_once()

    assert report.dead == 1
    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.dead, 1)
    assert message.last_error == "HTTP 400: Encounter.status required"


async def test_a_handler_bug_counts_as_a_failed_attempt(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    await dispatcher(database, settings, clock, Recorder(KeyError("bundle"))).run_once()
    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.pending, 1)
    assert message.last_error == "handler error: KeyError: 'bundle'"


async def test_retry_after_from_the_receiver_is_honoured(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    handler = Recorder(TransientDeliveryError("HTTP 429", retry_after=600))
    await dispatcher(database, settings, clock, handler).run_once()
    wait = (await load(database, message_id)).next_attempt_at - clock.now()
    assert wait >= timedelta(seconds=600)


async def test_a_live_claim_is_left_to_its_worker(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    await enqueue_committed(database, now=clock.now())
    async for session in database.transaction():
        claimed = await repository.claim(
            session,
            now=clock.now(),
            kinds=["test.echo"],
            worker="crashed",
            lease_until=clock.now() + timedelta(seconds=settings.outbox_lease_seconds),
            limit=10,
        )
    assert len(claimed) == 1
    handler = Recorder()
    assert (await dispatcher(database, settings, clock, handler).run_once()).claimed == 0


async def test_the_claim_of_a_crashed_worker_expires(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    async for session in database.transaction():
        await repository.claim(
            session,
            now=clock.now(),
            kinds=["test.echo"],
            worker="crashed",
            lease_until=clock.now() + lease,
            limit=10,
        )
    clock.advance(lease)
    handler = Recorder()

    report = await dispatcher(database, settings, clock, handler, worker="w2").run_once()

    assert report.delivered == 1
    assert (await load(database, message_id)).status == OutboxStatus.delivered


async def test_the_late_outcome_of_a_worker_that_lost_its_claim_is_dropped(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    async for session in database.transaction():
        [stale] = await repository.claim(
            session,
            now=clock.now(),
            kinds=["test.echo"],
            worker="slow",
            lease_until=clock.now() + lease,
            limit=10,
        )
    clock.advance(lease)
    await dispatcher(database, settings, clock, Recorder(), worker="w2").run_once()
    async for session in database.transaction():
        recorded = await repository.mark_failed(
            session, stale, "slow", now=clock.now(), error="late", next_attempt_at=None
        )
    assert recorded is False
    assert (await load(database, message_id)).status == OutboxStatus.delivered


async def test_messages_of_a_kind_without_handler_stay_pending(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now(), kind="sms.send")
    assert (await dispatcher(database, settings, clock, Recorder()).run_once()).claimed == 0
    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.pending, 0)


async def test_a_waiting_kind_says_why_without_counting_attempts(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now(), kind="fhir.bundle")
    waiting = Dispatcher(
        database, settings=settings, clock=clock, handlers={}, waiting={"fhir.bundle": "no VHR"}
    )
    first = await waiting.run_once()
    second = await waiting.run_once()

    assert (first.waiting, second.waiting) == (1, 0)  # said once, then nothing to write
    message = await load(database, message_id)
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.pending,
        0,
        "no VHR",
    )


async def test_a_batch_is_limited_and_the_rest_follow(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    for n in range(7):
        await enqueue_committed(database, now=clock.now(), payload={"n": n})
    handler = Recorder()
    first = await dispatcher(database, settings, clock, handler).run_once(limit=3)
    rest = await dispatcher(database, settings, clock, handler).run_until_idle(limit=3)
    assert (first.delivered, rest.delivered) == (3, 4)
    assert sorted(p["n"] for p in handler.payloads) == list(range(7))
    assert {m.status for m in await load_all(database)} == {OutboxStatus.delivered}
