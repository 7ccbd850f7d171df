"""Enqueueing in the caller's transaction, idempotency by key, and reviving dead letters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.errors import Conflict, NotFound
from telehealth.ids import new_id
from telehealth.models import OutboxMessage, OutboxStatus
from telehealth.outbox.errors import OutboxKeyConflict
from telehealth.outbox.service import enqueue, retry
from tests.outbox.helpers import enqueue_committed, load, load_all


class Boom(Exception):
    pass


async def test_enqueued_message_is_pending_and_due_now(
    database: Database, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now(), payload={"bundle": {"x": 1}})
    message = await load(database, message_id)
    assert message.status == OutboxStatus.pending
    assert message.attempts == 0
    assert message.next_attempt_at == clock.now()
    assert message.payload == {"bundle": {"x": 1}}


async def test_a_rolled_back_transaction_leaves_no_message(
    database: Database, clock: FrozenClock
) -> None:
    with pytest.raises(Boom):
        async for session in database.transaction():
            await enqueue(session, kind="test.echo", key="k1", payload={}, now=clock.now())
            raise Boom  # e.g. the signed summary failed to save: its delivery must not exist
    assert await load_all(database) == []


async def test_enqueueing_the_same_key_twice_gives_the_same_message(
    database: Database, clock: FrozenClock
) -> None:
    first = await enqueue_committed(database, now=clock.now(), key="same")
    second = await enqueue_committed(database, now=clock.now(), key="same")
    assert first == second
    assert len(await load_all(database)) == 1


async def test_the_same_key_with_another_payload_is_refused(
    database: Database, clock: FrozenClock
) -> None:
    await enqueue_committed(database, now=clock.now(), key="same", payload={"v": 1})
    with pytest.raises(OutboxKeyConflict):
        await enqueue_committed(database, now=clock.now(), key="same", payload={"v": 2})


async def test_retry_revives_a_dead_message_with_a_fresh_budget(
    database: Database, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    async for session in database.transaction():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)  # type: ignore[arg-type]
            .values(status=OutboxStatus.dead, attempts=12, last_error="HTTP 400: bad")
        )
    clock.advance(timedelta(hours=1))
    async for session in database.transaction():
        await retry(session, message_id, now=clock.now())

    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.pending, 0)
    assert message.next_attempt_at == clock.now()
    assert message.last_error == "HTTP 400: bad"  # still shown until the next attempt


async def test_retry_refuses_a_delivered_message(database: Database, clock: FrozenClock) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    async for session in database.transaction():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)  # type: ignore[arg-type]
            .values(status=OutboxStatus.delivered)
        )
    with pytest.raises(Conflict):
        async for session in database.transaction():
            await retry(session, message_id, now=clock.now())


async def test_retry_refuses_a_message_being_delivered(
    database: Database, clock: FrozenClock
) -> None:
    message_id = await enqueue_committed(database, now=clock.now())
    async for session in database.transaction():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)  # type: ignore[arg-type]
            .values(locked_by="w1", locked_until=clock.now() + timedelta(minutes=5))
        )
    with pytest.raises(Conflict, match="in_flight"):
        async for session in database.transaction():
            await retry(session, message_id, now=clock.now())


async def test_retry_of_an_unknown_message_is_not_found(
    database: Database, clock: FrozenClock
) -> None:
    with pytest.raises(NotFound):
        async for session in database.transaction():
            await retry(session, new_id(), now=clock.now())
