"""Writing a batch of quality records in one statement: multi-row INSERT, or COPY on PostgreSQL.

The ORM's unit of work costs ~100 µs per object; a Core INSERT with many parameter sets
(SQLAlchemy's "insertmanyvalues": one multi-row VALUES per 1,000 rows) or asyncpg's binary
COPY costs a few µs per row (measured in docs/benchmarks.md, "Quality ingestion").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import SessionQualityRecord
from telehealth.quality.ingest import CleanRecord

WriteMethod = Literal["insert", "copy"]
TABLE = SessionQualityRecord.__table__  # type: ignore[attr-defined]
COLUMNS = ("id", "room", "user_id", "peer_id", "kind", "name", "payload", "recorded_at")


def id_at(ts: datetime, entropy: bytes | None = None) -> uuid.UUID:
    """A UUIDv7 whose time is the record's own, so the purge can range over the primary key.

    `entropy`: 10 random bytes, when the caller draws them for a whole batch at once.
    """
    ms = int(ts.timestamp() * 1000)
    rand = int.from_bytes(entropy if entropy is not None else os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def lowest_id_at(ts: datetime) -> uuid.UUID:
    """The smallest UUIDv7 of `ts`'s millisecond: every id below it is older."""
    ms = int(ts.timestamp() * 1000)
    return uuid.UUID(int=((ms & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (0b10 << 62))


def _row(record: CleanRecord) -> dict[str, Any]:
    return {
        "id": id_at(record.ts),
        "room": record.room,
        "user_id": record.user_id,
        "peer_id": record.peer_id,
        "kind": record.kind,
        "name": record.name,
        "payload": record.payload,
        "recorded_at": record.ts,
    }


async def write_batch(
    session: AsyncSession, records: Sequence[CleanRecord], method: WriteMethod = "insert"
) -> None:
    """Add `records` to the session's transaction in one round trip (or a few)."""
    if not records:
        return
    if method == "copy" and session.bind is not None and session.bind.dialect.name == "postgresql":
        await _copy(session, records)
        return
    await session.execute(insert(TABLE), [_row(r) for r in records])


def _naive_utc(ts: datetime) -> datetime:
    """What UTCDateTime stores; signaling stamps records in UTC already (the fast case)."""
    return ts.replace(tzinfo=None) if ts.tzinfo is UTC else ts.astimezone(UTC).replace(tzinfo=None)


async def _copy(session: AsyncSession, records: Sequence[CleanRecord]) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg.Connection, inside the session's transaction
    # orjson is exact here: clean_sample bounds every number to ±2**53.
    dumps = orjson.dumps
    # One getrandom() call for the batch instead of one per record.
    entropy = os.urandom(10 * len(records))
    rows = [
        (id_at(r.ts, entropy[10 * i : 10 * i + 10]), r.room, r.user_id, r.peer_id, r.kind,
         r.name, dumps(r.payload).decode(), _naive_utc(r.ts))
        for i, r in enumerate(records)
    ]
    await driver.copy_records_to_table(TABLE.name, records=rows, columns=COLUMNS)
