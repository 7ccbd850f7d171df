"""Verifying the whole audit log against its hash chains and signed checkpoints.

Streams the log through the database driver directly (server-side cursor on PostgreSQL)
with the canonical text built in SQL, in one read-only snapshot, so the heads, the
checkpoints and the entries are seen as of one instant while appenders carry on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from telehealth.audit.chain import FIELDS
from telehealth.audit.checkpoints import CheckpointKey, signature_valid
from telehealth.audit.verifier import ChainVerifier, Report
from telehealth.models.audit import AuditCheckpoint

BATCH = 20_000
_INTS = {"shard", "seq"}
_UUIDS = {"id", "actor_user_id", "actor_facility_id", "patient_id"}


def _postgresql_field(name: str) -> str:
    if name in _INTS:
        return f"CAST({name} AS text)"
    if name in _UUIDS:
        return f"coalesce(replace(CAST({name} AS text), '-', ''), chr(30))"
    if name == "occurred_at":
        return "to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')"
    if name == "detail":
        return "coalesce(CAST(detail AS text), chr(30))"
    return f"coalesce({name}, chr(30))"


def _sqlite_field(name: str) -> str:
    # SQLite keeps UUIDs as 32 hex digits and times in exactly the canonical format.
    if name in _INTS:
        return f"CAST({name} AS TEXT)"
    return f"coalesce({name}, char(30))"


POSTGRESQL_ENTRIES = (
    "SELECT shard, seq, hash, concat_ws(chr(31), "
    + ", ".join(_postgresql_field(f) for f in FIELDS)
    + ") FROM audit_event ORDER BY shard, seq"
)
SQLITE_ENTRIES = (
    "SELECT shard, seq, hash, "
    + " || char(31) || ".join(_sqlite_field(f) for f in FIELDS)
    + " FROM audit_event ORDER BY shard, seq"
)
HEADS = "SELECT shard, seq, hash FROM audit_chain_head"
CHECKPOINTS = (
    "SELECT id, created_at, shard, seq, hash, key_id, signature FROM audit_checkpoint"
)


def _checkpoints(
    verifier_problems: list[tuple[int, int]], rows: Iterable[Any], key: CheckpointKey
) -> dict[int, dict[int, str]]:
    """The checkpoints whose signature holds; the positions of the others go to problems."""
    valid: dict[int, dict[int, str]] = {}
    for _id, created_at, shard, seq, chain_hash, key_id, signature in rows:
        checkpoint = AuditCheckpoint(
            created_at=_aware(created_at), shard=shard, seq=seq, hash=chain_hash,
            key_id=key_id, signature=signature,
        )
        if signature_valid(key, checkpoint):
            valid.setdefault(shard, {})[seq] = chain_hash
        else:
            verifier_problems.append((shard, seq))
    return valid


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite returns the stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def _verifier(
    heads: Iterable[Any], checkpoint_rows: Iterable[Any], key: CheckpointKey
) -> ChainVerifier:
    bad_signatures: list[tuple[int, int]] = []
    checkpoints = _checkpoints(bad_signatures, checkpoint_rows, key)
    verifier = ChainVerifier({int(s): (int(q), h) for s, q, h in heads}, checkpoints)
    for shard, seq in bad_signatures:
        verifier.problem("checkpoint_signature", shard, seq)
    verifier.report.checkpoints += len(bad_signatures)
    return verifier


async def verify_log(engine: AsyncEngine, key: CheckpointKey) -> tuple[Report, float]:
    """Check every chain; returns the report and the seconds it took."""
    started = time.perf_counter()
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if engine.dialect.name == "postgresql":
            report = await _verify_postgresql(driver, key)
        else:
            report = await _verify_sqlite(driver, key)
    return report, time.perf_counter() - started


async def _verify_postgresql(conn: Any, key: CheckpointKey) -> Report:
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        verifier = _verifier(await conn.fetch(HEADS), await conn.fetch(CHECKPOINTS), key)
        cursor = await conn.cursor(POSTGRESQL_ENTRIES)
        while rows := await cursor.fetch(BATCH):
            verifier.feed(rows)
    return verifier.finish()


async def _verify_sqlite(conn: Any, key: CheckpointKey) -> Report:
    # A deferred BEGIN: a read snapshot without the write lock the app's sessions take.
    await conn.execute("BEGIN")
    try:
        heads = await (await conn.execute(HEADS)).fetchall()
        checkpoints = await (await conn.execute(CHECKPOINTS)).fetchall()
        verifier = _verifier(heads, checkpoints, key)
        cursor = await conn.execute(SQLITE_ENTRIES)
        while rows := await cursor.fetchmany(BATCH):
            verifier.feed(rows)
    finally:
        await conn.execute("ROLLBACK")
    return verifier.finish()
