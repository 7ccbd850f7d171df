"""The chain as written: commit order, no gaps, rollbacks leave nothing, readable canonically."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from telehealth.audit.chain import canonical_text, entry_hash, event_values, genesis
from telehealth.audit.service import record, record_now
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models.audit import AuditEvent
from tests.audit.helpers import append, chain, verify


def _assert_chained(events: list[AuditEvent]) -> None:
    by_shard: dict[int, list[AuditEvent]] = {}
    for event in events:
        by_shard.setdefault(event.shard, []).append(event)
    for shard, shard_events in by_shard.items():
        previous = genesis(shard)
        for position, event in enumerate(shard_events, start=1):
            assert event.seq == position
            values = event_values(**{f: getattr(event, f) for f in (
                "shard", "seq", "id", "occurred_at", "actor_user_id", "actor_role",
                "actor_facility_id", "actor_province_code", "action", "resource_type",
                "resource_id", "patient_id", "outcome", "client_ip", "request_id", "purpose",
                "detail")})
            assert event.hash == entry_hash(previous, canonical_text(values))
            previous = event.hash


async def _assert_chain_holds(db: Database, settings: Settings, entries: int) -> None:
    events = await chain(db)
    assert len(events) == entries
    _assert_chained(events)
    report = await verify(db, settings)
    assert report.intact and report.entries == entries


async def test_events_form_one_gapless_chain_per_shard(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    await append(db, clock, transactions=4, per_transaction=3)
    await _assert_chain_holds(db, settings, 12)


async def test_an_event_sealed_alone_is_hashed_as_the_chain_defines(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    # On PostgreSQL one event is sealed by one statement that hashes it in SQL.
    await append(db, clock, transactions=40, per_transaction=1)
    await append(db, clock, transactions=2, per_transaction=2)
    await append(db, clock, transactions=40, per_transaction=1)
    await _assert_chain_holds(db, settings, 84)


async def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    await append(db, clock, transactions=1, per_transaction=2)
    with pytest.raises(RuntimeError):
        async for session in db.transaction():
            record(session, None, "test.rolled_back", clock=clock)
            raise RuntimeError("the change failed")
    await append(db, clock, transactions=1, per_transaction=2)
    events = await chain(db)
    assert "test.rolled_back" not in {e.action for e in events}
    report = await verify(db, settings)
    assert report.intact and report.entries == 4


async def test_a_rolled_back_savepoint_drops_only_its_own_events(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    async for session in db.transaction():
        record(session, None, "test.before", clock=clock)
        async with session.begin_nested():
            record(session, None, "test.kept", clock=clock)
        with pytest.raises(ValueError):
            async with session.begin_nested():
                record(session, None, "test.dropped", clock=clock)
                raise ValueError("refused")
        record(session, None, "test.after", clock=clock)
    assert [e.action for e in await chain(db)] == [
        "test.before", "test.kept", "test.after"
    ]
    assert (await verify(db, settings)).intact


async def test_record_now_writes_in_its_own_transaction(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    await record_now(db, None, "test.denied", outcome="denied", clock=clock)
    [event] = await chain(db)
    assert event.action == "test.denied" and event.outcome == "denied" and event.seq == 1
    assert (await verify(db, settings)).intact


async def test_concurrent_writers_keep_every_chain_valid(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    """20 transactions at once, each appending 5 events (PostgreSQL: several shards, each
    serialised by its head row lock; SQLite: one writer at a time)."""
    start = asyncio.Event()

    async def writer(n: int) -> None:
        await start.wait()
        async for session in db.transaction():
            for e in range(5):
                record(session, None, f"test.w{n}.e{e}", clock=clock)
            # Some work inside the transaction after recording, as a request would do.
            await session.execute(text("SELECT 1"))

    tasks = [asyncio.create_task(writer(n)) for n in range(20)]
    start.set()
    await asyncio.gather(*tasks)
    events = await chain(db)
    assert len(events) == 100
    # Each transaction's events are contiguous in one chain.
    for n in range(20):
        mine = [(e.shard, e.seq) for e in events if e.action.startswith(f"test.w{n}.")]
        assert len({shard for shard, _ in mine}) == 1
        seqs = sorted(seq for _, seq in mine)
        assert seqs == list(range(seqs[0], seqs[0] + 5))
    report = await verify(db, settings)
    assert report.intact and report.entries == 100


async def test_the_checkpoint_job_signs_only_heads_that_moved(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    from telehealth.audit.tasks import checkpoint
    from telehealth.jobs import JobContext

    ctx = JobContext(db, settings, clock, None)
    await append(db, clock, transactions=1, per_transaction=2)
    assert await checkpoint(ctx) == 1
    assert await checkpoint(ctx) == 0
    await append(db, clock, transactions=1, per_transaction=1)
    assert await checkpoint(ctx) == 1
    report = await verify(db, settings)
    assert report.intact and report.checkpoints == 2
