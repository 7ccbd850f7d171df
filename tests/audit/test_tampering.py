"""Every kind of tampering is found, and the first bad entry is named."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from telehealth.audit.chain import canonical_text, entry_hash, event_values
from telehealth.audit.sealing import AuditLogIsAppendOnly
from telehealth.audit.tasks import checkpoint
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.ids import new_id
from telehealth.jobs import JobContext
from telehealth.models.audit import AuditEvent
from tests.audit.helpers import append, chain, verify
from tests.audit.tampering import tamper

FIELDS = ("shard", "seq", "id", "occurred_at", "actor_user_id", "actor_role",
          "actor_facility_id", "actor_province_code", "action", "resource_type", "resource_id",
          "patient_id", "outcome", "client_ip", "request_id", "purpose", "detail")


async def _one_chain(db: Database, clock: FrozenClock, settings: Settings) -> list[AuditEvent]:
    """Six events in one transaction: one chain, positions 1-6, whatever the backend."""
    await append(db, clock, transactions=1, per_transaction=6)
    events = await chain(db)
    assert (await verify(db, settings)).intact
    return events


def _hex(event: AuditEvent) -> str:
    return event.id.hex


async def test_a_modified_field_is_found_and_named(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    target = events[2]
    await tamper(settings, "UPDATE audit_event SET purpose = 'Tò mò' "
                 f"WHERE shard = {target.shard} AND seq = {target.seq}")
    report = await verify(db, settings)
    assert not report.intact
    first = report.first_problem
    assert first is not None
    assert (first.kind, first.seq, first.entry_id) == ("altered", 3, _hex(target))
    assert report.problem_count == 1  # the next entry still links to the stored hash


async def test_a_deleted_entry_is_found(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    target = events[3]
    await tamper(settings, f"DELETE FROM audit_event WHERE shard = {target.shard} AND seq = 4")
    report = await verify(db, settings)
    assert not report.intact
    first = report.first_problem
    assert first is not None
    # The entry after the hole names the place: its predecessor is missing.
    assert first.seq == 5 and first.entry_id == _hex(events[4])
    assert {p.kind for p in report.problems} == {"missing", "altered"}


async def test_a_deleted_tail_is_found_against_the_head(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    await tamper(settings, f"DELETE FROM audit_event WHERE shard = {events[0].shard} AND seq = 6")
    report = await verify(db, settings)
    assert [(p.kind, p.seq) for p in report.problems] == [("truncated", 6)]


async def test_reordered_entries_are_found(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    shard = events[0].shard
    await tamper(
        settings,
        f"UPDATE audit_event SET seq = -2 WHERE shard = {shard} AND seq = 2",
        f"UPDATE audit_event SET seq = 2 WHERE shard = {shard} AND seq = 3",
        f"UPDATE audit_event SET seq = 3 WHERE shard = {shard} AND seq = -2",
    )
    report = await verify(db, settings)
    assert not report.intact
    first = report.first_problem
    assert first is not None and first.kind == "altered" and first.seq == 2
    assert first.entry_id == _hex(events[2])  # the entry moved up to position 2


async def test_a_forged_entry_is_found_even_with_a_correct_hash(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    last = events[-1]
    forged = {f: getattr(last, f) for f in FIELDS}
    forged.update(id=new_id(), seq=last.seq + 1, action="patient.read", purpose="Điều trị")
    values = event_values(**forged)
    forged["hash"] = entry_hash(last.hash, canonical_text(values))
    async with db.engine.begin() as conn:  # INSERT is allowed: appending is the log's job
        await conn.execute(insert(AuditEvent.__table__), [forged])  # type: ignore[attr-defined]
    report = await verify(db, settings)
    assert [(p.kind, p.seq, p.entry_id) for p in report.problems] == [
        ("beyond_head", 7, forged["id"].hex)
    ]


async def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    """An attacker who edits an entry and recomputes every later hash and the head passes
    the hash chain; the signed checkpoint taken before still catches it."""
    events = await _one_chain(db, clock, settings)
    await checkpoint(JobContext(db, settings, clock, None))
    shard = events[0].shard
    previous = events[1].hash
    statements = []
    for event in events[2:]:
        fields = {f: getattr(event, f) for f in FIELDS}
        if event.seq == 3:
            fields["purpose"] = "Sửa đổi"
            statements.append(f"UPDATE audit_event SET purpose = 'Sửa đổi' "
                              f"WHERE shard = {shard} AND seq = 3")
        previous = entry_hash(previous, canonical_text(event_values(**fields)))
        statements.append(f"UPDATE audit_event SET hash = '{previous}' "
                          f"WHERE shard = {shard} AND seq = {event.seq}")
    statements.append(f"UPDATE audit_chain_head SET hash = '{previous}' WHERE shard = {shard}")
    await tamper(settings, *statements)
    report = await verify(db, settings)
    assert [(p.kind, p.seq) for p in report.problems] == [("checkpoint_mismatch", 6)]


async def test_a_checkpoint_not_signed_by_us_is_found(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    await _one_chain(db, clock, settings)
    await checkpoint(JobContext(db, settings, clock, None))
    await tamper(settings, "UPDATE audit_checkpoint SET signature = 'AAAA'")
    report = await verify(db, settings)
    assert [p.kind for p in report.problems] == ["checkpoint_signature"]


async def test_the_database_refuses_update_and_delete(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    await _one_chain(db, clock, settings)
    for statement in ("UPDATE audit_event SET purpose = 'x'", "DELETE FROM audit_event"):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(statement))
    if not settings.is_sqlite:
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text("TRUNCATE audit_event"))
    assert (await verify(db, settings)).intact


async def test_the_application_refuses_to_change_a_loaded_event(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    events = await _one_chain(db, clock, settings)
    with pytest.raises(AuditLogIsAppendOnly):
        async for session in db.transaction():
            loaded = await session.get(AuditEvent, events[0].id)
            assert loaded is not None
            loaded.purpose = "Sửa"
    with pytest.raises(AuditLogIsAppendOnly):
        async for session in db.transaction():
            loaded = await session.get(AuditEvent, events[0].id)
            await session.delete(loaded)
    assert (await verify(db, settings)).intact
