"""Sealing audit events into the hash chain as their transaction commits.

`record()` only queues an event on the session; the session's `before_commit` hook then
appends the queued events to one chain shard (docs/audit.md):

1. `UPDATE audit_chain_head SET seq = seq + n WHERE shard = s RETURNING seq, hash` takes the
   shard's row lock and gives the last position and hash (on PostgreSQL, a writer that
   waited for the lock re-reads the row as committed by the previous holder);
2. the events' hashes are computed here, each over its canonical text and the previous hash;
3. one multi-row INSERT of the events carrying `UPDATE audit_chain_head SET hash = …` as a
   CTE on PostgreSQL (two statements on SQLite): one statement more than an unchained log.
   On PostgreSQL both statements run as asyncpg prepared statements (telehealth.db.fetch_sync)
   on the transaction's own connection, and a single event takes one statement (steps 1-3,
   the hash computed by the database over the same text).

The lock is held from step 1 to the commit that follows immediately, so a shard's chain is
in commit order and gap-free (a rolled-back transaction also rolls back its head update).
Every other change of the transaction is flushed before step 1: once it holds a head lock a
transaction touches only the audit tables, so no lock cycle can form with other writers.
A transaction picks one of SHARDS chains at random (contention about 1/SHARDS); SQLite has
one writer anyway and uses chain 0 only.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, String, TextClause, bindparam, event, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from telehealth.audit.chain import (
    FIELDS,
    canonical_text,
    clean,
    entry_hash,
    event_values,
    genesis,
    normalise_detail,
)
from telehealth.db import DriverStatement, fetch_sync
from telehealth.models.audit import AuditChainHead, AuditCheckpoint, AuditEvent

SHARDS = 16
PENDING = "audit.pending"  # session.info key: events waiting for the commit
MARKS = "audit.savepoints"  # session.info key: pending length when each savepoint began

_events = AuditEvent.__table__  # type: ignore[attr-defined]
_heads = AuditChainHead.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(column.name for column in _events.columns)
_TEXT_FIELDS = ("actor_role", "actor_province_code", "action", "resource_type", "resource_id",
                "outcome", "client_ip", "request_id", "purpose")
_PROTECTED = (AuditEvent, AuditCheckpoint)

_ADVANCE = (
    update(_heads)
    .where(_heads.c.shard == bindparam("s"))
    .values(seq=_heads.c.seq + bindparam("n"))
    .returning(_heads.c.seq, _heads.c.hash)
)
_SET_HASH = update(_heads).where(_heads.c.shard == bindparam("s")).values(hash=bindparam("h"))


@lru_cache(maxsize=16)
def _insert_with_head(count: int) -> TextClause:
    """INSERT of `count` events with the head's hash update as a CTE, written once per count.

    As text with typed parameters: SQLAlchemy does not cache the compiled form of an INSERT
    carrying a DML CTE, and compiling it took 2.5 ms of CPU per commit (measured)."""
    names = [c.name for c in _events.columns]
    values = ", ".join(
        "(" + ", ".join(f":{name}_{i}" for name in names) + ")" for i in range(count)
    )
    sql = (
        "WITH head AS (UPDATE audit_chain_head SET hash = :h WHERE shard = :s) "
        f"INSERT INTO audit_event ({', '.join(names)}) VALUES {values}"
    )
    params = [bindparam(f"{c.name}_{i}", type_=c.type)
              for i in range(count) for c in _events.columns]
    return text(sql).bindparams(*params, bindparam("h"), bindparam("s"))


# On PostgreSQL both statements run at driver level (telehealth.db): SQLAlchemy's execution
# path cost about three times asyncpg's own per statement (measured), on every commit.
_ADVANCE_PG = DriverStatement.of(_ADVANCE)

# One event, the usual case, is sealed by one statement on PostgreSQL: the head moves on
# and hashes the event in SQL (sha256 over the same text `entry_hash` hashes; only the
# position is the database's), and the INSERT takes both from it. A round trip to the
# database cost the app ~0.1-0.2 ms of CPU per request on this host (py-spy, under load).
_POSITION = ("seq", "hash")
_SEAL_ONE_PG = DriverStatement.of(
    text(
        "WITH head AS (UPDATE audit_chain_head SET seq = seq + 1, hash = encode(sha256("
        "convert_to(hash || chr(31) || :shard_text || chr(31) || (seq + 1)::text || chr(31) "
        "|| :rest, 'UTF8')), 'hex') WHERE shard = :shard RETURNING seq, hash) "
        f"INSERT INTO audit_event ({', '.join(_COLUMNS)}) SELECT "
        + ", ".join(
            f"head.{name}" if name in _POSITION else f":{name}" for name in _COLUMNS
        )
        + " FROM head RETURNING seq, hash"
    )
    .bindparams(
        *(bindparam(c.name, type_=c.type) for c in _events.columns if c.name not in _POSITION),
        bindparam("shard_text", type_=String()),
        bindparam("rest", type_=String()),
    )
    .columns(seq=Integer(), hash=String())
)


@lru_cache(maxsize=16)
def _insert_with_head_pg(count: int) -> DriverStatement:
    return DriverStatement.of(_insert_with_head(count))


class AuditLogIsAppendOnly(RuntimeError):
    """A change or deletion of an audit row was attempted: always a bug."""


def enqueue(session: Session, audit_event: AuditEvent | dict[str, Any]) -> None:
    """Queue an event (a model object, or a plain row from `audit.service.event_row`)."""
    session.info.setdefault(PENDING, []).append(audit_event)


def _create_head(connection: Connection, shard: int) -> None:
    insert_ = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        insert_(_heads)
        .values(shard=shard, seq=0, hash=genesis(shard))
        .on_conflict_do_nothing(index_elements=["shard"])
    )


def _row(audit_event: AuditEvent | dict[str, Any]) -> dict[str, Any]:
    if isinstance(audit_event, dict):
        row = {name: None for name in _COLUMNS}
        row.update(audit_event)
        return row
    return {name: getattr(audit_event, name) for name in _COLUMNS}


def _advance(
    connection: Connection, shard: int, count: int, postgresql: bool
) -> tuple[int, str] | None:
    """Move the shard's head `count` places on; its previous position and hash (locked)."""
    params = {"s": shard, "n": count}
    if postgresql:
        rows = fetch_sync(connection, _ADVANCE_PG, params)
        return (rows[0]["seq"], rows[0]["hash"]) if rows else None
    row = connection.execute(_ADVANCE, params).first()
    return (row[0], row[1]) if row else None


def seal(connection: Connection, events: list[AuditEvent | dict[str, Any]]) -> None:
    """Append `events` to one chain inside the connection's transaction."""
    shard = 0 if connection.dialect.name == "sqlite" else random.randrange(SHARDS)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql and len(events) == 1:
        row = _prepared(events[0], shard, seq=0)
        if not _seal_one(connection, row):  # a new database: the chain starts here
            _create_head(connection, shard)
            if not _seal_one(connection, row):
                raise RuntimeError(f"audit chain {shard} has no head")
        _show_sealed(events[0], row)
        return
    count = len(events)
    head = _advance(connection, shard, count, postgresql)
    if head is None:  # a new database: the chain starts here (concurrent starts are harmless)
        _create_head(connection, shard)
        head = _advance(connection, shard, count, postgresql)
        assert head is not None
    seq, previous = head[0] - count, head[1]
    rows = []
    for audit_event in events:
        seq += 1
        row = _prepared(audit_event, shard, seq)
        row["hash"] = previous = entry_hash(previous, canonical_text(_values(row)))
        _show_sealed(audit_event, row)
        rows.append(row)
    if postgresql:
        # One statement: the head's new hash rides along with the INSERT as a DML CTE.
        params = {f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}
        params.update(s=shard, h=previous)
        fetch_sync(connection, _insert_with_head_pg(len(rows)), params)
    else:
        connection.execute(insert(_events), rows)
        connection.execute(_SET_HASH, {"s": shard, "h": previous})


def _prepared(audit_event: AuditEvent | dict[str, Any], shard: int, seq: int) -> dict[str, Any]:
    """The event's row at (shard, seq), its texts cleaned and its detail as it reads back."""
    row = _row(audit_event)
    row["shard"], row["seq"] = shard, seq
    for name in _TEXT_FIELDS:
        row[name] = clean(row[name])
    row["detail"] = normalise_detail(row["detail"])
    return row


def _values(row: dict[str, Any]) -> list[str]:
    return event_values(**{name: row[name] for name in FIELDS})


def _seal_one(connection: Connection, row: dict[str, Any]) -> bool:
    """Seal one event in one statement (PostgreSQL); False when the chain has no head yet."""
    values = _values(row)  # FIELDS begin with shard and seq: the database adds the position
    params = {name: value for name, value in row.items() if name not in _POSITION}
    params.update(shard_text=values[0], rest=canonical_text(values[2:]))
    sealed = fetch_sync(connection, _SEAL_ONE_PG, params)
    if not sealed:
        return False
    row["seq"], row["hash"] = sealed[0]["seq"], sealed[0]["hash"]
    return True


def _show_sealed(audit_event: AuditEvent | dict[str, Any], row: dict[str, Any]) -> None:
    if isinstance(audit_event, AuditEvent):  # the caller's object shows what was sealed
        for name in ("shard", "seq", "hash", "detail", *_TEXT_FIELDS):
            setattr(audit_event, name, row[name])


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    # Events added with session.add() join the queue: inserting them now would need the
    # chain lock for the rest of the transaction.
    for obj in list(session.new):
        if isinstance(obj, AuditEvent):
            session.expunge(obj)
            enqueue(session, obj)
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, _PROTECTED) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly(f"{type(obj).__name__} rows are never changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in _PROTECTED:
        raise AuditLogIsAppendOnly("bulk UPDATE/DELETE of the audit log refused")


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint is released: its events wait for the outer commit
    session.flush()  # the transaction's own changes first, before the chain lock is taken
    pending: list[AuditEvent | dict[str, Any]] | None = session.info.pop(PENDING, None)
    session.info.pop(MARKS, None)
    if pending:
        seal(session.connection(), pending)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(MARKS, {})[id(transaction)] = len(session.info.get(PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending: list[AuditEvent | dict[str, Any]] | None = session.info.get(PENDING)
    if previous.nested:
        mark = session.info.get(MARKS, {}).pop(id(previous), None)
        if pending is not None and mark is not None:
            del pending[mark:]
    elif previous.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(MARKS, None)
