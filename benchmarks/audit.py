"""Audit log: append rate with concurrent writers, and verification speed, on PostgreSQL.

.venv/bin/python -m benchmarks.audit [--seconds 10] [--writers 32] [--entries 1000000]

1. append: `writers` concurrent transactions in a loop for `seconds`, each recording one
   event through `telehealth.audit.service.record` (as a request does) and committing:
   the chain shard's head is locked, hashed and updated in that commit. The same loop,
   same session and commit, inserting the same row into an unchained copy of the table
   (no head, no hash) is the floor: the difference is the chain's cost.
2. verify: `entries` chained events are generated and bulk-loaded (COPY), then
   `telehealth audit verify`'s verifier checks them all; the wall time and this process's
   CPU time are printed (the database builds the canonical text on its own core).

A fresh database is created and dropped. PostgreSQL comes from TELEHEALTH_BENCH_PG_DSN
(default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import telehealth.models  # noqa: F401  (the metadata must be complete before create_all)
from telehealth.audit.chain import canonical_text, entry_hash, event_values, genesis
from telehealth.audit.checkpoints import checkpoint_key
from telehealth.audit.sealing import SHARDS
from telehealth.audit.service import record
from telehealth.audit.verify import verify_log
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.ids import new_id

ADMIN_DSN = os.environ.get("TELEHEALTH_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
COLUMNS = ("id", "occurred_at", "actor_user_id", "actor_role", "actor_facility_id",
           "actor_province_code", "action", "resource_type", "resource_id", "patient_id",
           "outcome", "client_ip", "request_id", "purpose", "detail", "shard", "seq", "hash")


def _dsn(name: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


async def _create(name: str) -> str:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = _dsn(name).replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(url)
    async with engine.begin() as c:
        await c.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    conn = await asyncpg.connect(_dsn(name))
    try:  # the floor: the same columns and indexes, no chain
        await conn.execute("CREATE TABLE audit_plain (LIKE audit_event INCLUDING ALL)")
    finally:
        await conn.close()
    return url


async def _drop(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _append(db: Database, writers: int, seconds: float) -> float:
    """Committed chained events per second."""
    stop = time.perf_counter() + seconds
    counts = [0] * writers

    async def writer(n: int) -> None:
        patient = uuid.uuid4()
        while time.perf_counter() < stop:
            async for session in db.transaction():
                record(session, None, "patient.read", resource_type="Patient",
                       resource_id=patient, patient_id=patient, request_id=uuid.uuid4().hex,
                       client_ip="10.0.0.1", detail={"writer": n})
            counts[n] += 1

    await asyncio.gather(*(writer(n) for n in range(writers)))
    return sum(counts) / seconds


async def _floor(db: Database, writers: int, seconds: float) -> float:
    """The same row, through the same session and commit, into the unchained copy."""
    stop = time.perf_counter() + seconds
    counts = [0] * writers
    plain = text(
        "INSERT INTO audit_plain (id, occurred_at, action, resource_type, resource_id, "
        "patient_id, outcome, client_ip, request_id, detail, shard, seq, hash) VALUES "
        "(:id, :at, 'patient.read', 'Patient', :rid, :pid, 'success', '10.0.0.1', :req, "
        ":detail, 0, :seq, '')")

    async def writer(n: int) -> None:
        patient = uuid.uuid4()
        while time.perf_counter() < stop:
            async for session in db.transaction():
                await session.execute(plain, {
                    "id": new_id(), "at": datetime.now(UTC).replace(tzinfo=None),
                    "rid": str(patient), "pid": patient, "req": uuid.uuid4().hex,
                    "detail": json.dumps({"writer": n}), "seq": counts[n] * writers + n})
            counts[n] += 1

    await asyncio.gather(*(writer(n) for n in range(writers)))
    return sum(counts) / seconds


def _chained_rows(entries: int) -> tuple[list[tuple[Any, ...]], dict[int, tuple[int, str]]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    heads = {shard: (0, genesis(shard)) for shard in range(SHARDS)}
    rows: list[tuple[Any, ...]] = []
    actor, facility, patient = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for n in range(entries):
        shard = n % SHARDS
        seq, previous = heads[shard]
        seq += 1
        at = start + timedelta(microseconds=n * 1000)
        detail = {"mode": "video", "slot_id": str(patient)}
        fields: dict[str, Any] = {
            "shard": shard, "seq": seq, "id": new_id(), "occurred_at": at,
            "actor_user_id": actor, "actor_role": "clinician", "actor_facility_id": facility,
            "actor_province_code": "08", "action": "appointment.read",
            "resource_type": "Appointment", "resource_id": str(patient), "patient_id": patient,
            "outcome": "success", "client_ip": "10.0.0.1", "request_id": f"{n:032x}",
            "purpose": None, "detail": detail,
        }
        digest = entry_hash(previous, canonical_text(event_values(**fields)))
        heads[shard] = (seq, digest)
        rows.append((
            fields["id"], at.replace(tzinfo=None), actor, "clinician", facility, "08",
            "appointment.read", "Appointment", str(patient), patient, "success", "10.0.0.1",
            f"{n:032x}", None, json.dumps(detail), shard, seq, digest,
        ))
    return rows, heads


async def _load(dsn: str, entries: int) -> float:
    started = time.perf_counter()
    rows, heads = _chained_rows(entries)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("audit_event", records=rows, columns=COLUMNS)
        await conn.executemany(
            "INSERT INTO audit_chain_head (shard, seq, hash) VALUES ($1, $2, $3) "
            "ON CONFLICT (shard) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
            [(shard, seq, digest) for shard, (seq, digest) in heads.items()])
        await conn.execute("ANALYZE audit_event")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    name = f"vt_bench_audit_{uuid.uuid4().hex[:8]}"
    url = await _create(name)
    settings = Settings(database_url=url, db_pool_size=args.writers, db_max_overflow=0)
    db = Database(settings)
    try:
        rate = await _append(db, args.writers, args.seconds)
        floor = await _floor(db, args.writers, args.seconds)
        print(f"append, {args.writers} concurrent writers, one event per transaction, "
              f"{args.seconds:.0f} s, {SHARDS} chains:")
        print(f"  chained events/s      {rate:9.0f}")
        print(f"  unchained floor /s    {floor:9.0f}   (ratio {rate / floor:.2f})")
        report, _ = await verify_log(db.engine, checkpoint_key(settings.secret_key))
        print(f"  chains intact after concurrent appends: {report.intact} "
              f"({report.entries} entries)")
        async with db.engine.begin() as conn:  # keep the verify phase to its own entries
            await conn.exec_driver_sql("SET session_replication_role = replica")
            await conn.exec_driver_sql("TRUNCATE audit_event, audit_chain_head")
        load = await _load(_dsn(name), args.entries)
        print(f"verify, {args.entries:,} entries (generated and loaded in {load:.1f} s):")
        cpu = time.process_time()
        report, seconds = await verify_log(db.engine, checkpoint_key(settings.secret_key))
        cpu = time.process_time() - cpu
        print(f"  wall {seconds:6.2f} s   this process's CPU {cpu:6.2f} s   "
              f"{args.entries / seconds:,.0f} entries/s   intact: {report.intact}")
    finally:
        await db.dispose()
        await _drop(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--entries", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args()))
