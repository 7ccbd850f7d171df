"""DatabasePlatform: signaling's PlatformPort backed by this app's database (embedded signaling).

Chat is written and committed before `store_chat` returns, because signaling relays a
line only after it is stored. Quality samples are many and best effort: signaling hands
them over in batches (`store_quality_many`); each is checked on its own
(telehealth.quality.ingest), buffered with a share per peer, and written in batches, one
statement per batch (telehealth.quality.writer); a session's rollup is computed when its
host ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from signaling.platform import PlatformError, QualityKind, QualityRecord
from telehealth.clock import Clock
from telehealth.db import Database
from telehealth.quality import rollups as quality_rollups
from telehealth.quality.buffer import FairBuffer
from telehealth.quality.ingest import CleanRecord, IngestCounters, InvalidRecord, clean_record
from telehealth.quality.writer import WriteMethod, write_batch
from telehealth.sessions import service

log = logging.getLogger(__name__)


class DatabasePlatform:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        batch_linger: float = 0.5,
        max_batch: int = 2000,
        max_pending: int = 50_000,
        per_peer_pending: int = 64,
        write_method: WriteMethod | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._linger = batch_linger
        self._max_batch = max_batch
        # Bounded, with a share per peer: a flooding client loses its own records only.
        self._buffer: FairBuffer[CleanRecord] = FairBuffer(
            capacity=max_pending, per_peer=per_peer_pending
        )
        postgres = db.engine.dialect.name == "postgresql"
        # COPY is the faster path on PostgreSQL (docs/benchmarks.md, "Quality ingestion").
        self._method: WriteMethod = write_method or ("copy" if postgres else "insert")
        self._wake = asyncio.Event()
        self._batch_ready = asyncio.Event()  # a whole batch is buffered: stop lingering
        self._writer: asyncio.Task[None] | None = None
        # Backpressure: while the buffer is past half full, `store_quality_many` waits for
        # the writer, so signaling's own queue fills and it sheds frames before parsing
        # them, rather than parsing and checking records this buffer would then drop.
        self._high_water = max(1, max_pending // 2)
        self._room = asyncio.Event()
        self.counters = IngestCounters()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def status(self) -> dict[str, Any]:
        """Counters for the ingest-status endpoint and the logs."""
        return {
            **self.counters.as_dict(),
            "pending": len(self._buffer),
            "pending_peers": self._buffer.peers,
            "write_method": self._method,
        }

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_batches(), name="sessions:quality-writer")

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        self._room.set()  # nobody waits for a writer that is gone
        await self.flush()

    async def store_chat(
        self, room: str, user_id: str, peer_id: str, display_name: str, text: str, ts: datetime
    ) -> None:
        try:
            async for session in self._db.transaction():
                service.add_chat_line(session, room, user_id, peer_id, display_name, text, ts)
        except ValueError as exc:  # a user id that is not ours: refuse, never relay
            raise PlatformError(f"chat refused: {exc}") from exc

    async def store_quality_many(self, records: Iterable[QualityRecord]) -> None:
        """Signaling's batch: each record is checked and buffered on its own; never raises.

        While the buffer is past its high-water mark and the writer runs, this waits for
        the writer to catch up first (backpressure: see `__init__`). The writer always
        empties what it takes, even when the database refuses it, so the wait ends.
        """
        while len(self._buffer) >= self._high_water and self._writer_running():
            self.counters.backpressure_waits += 1
            self._room.clear()
            await self._room.wait()
        accept = self._accept
        for record in records:
            accept(*record)

    async def store_quality(
        self,
        room: str,
        user_id: str,
        peer_id: str,
        kind: QualityKind,
        payload: dict[str, Any],
        ts: datetime,
    ) -> None:
        """One record: what `store_quality_many` does for each of its records."""
        self._accept(room, user_id, peer_id, kind, payload, ts)

    def _accept(
        self, room: Any, user_id: Any, peer_id: Any, kind: Any, payload: Any, ts: Any
    ) -> None:
        # Never raises: a bad sample costs a counter, not the session (nor its batch).
        try:
            record = clean_record(room, user_id, peer_id, kind, payload, ts)
        except InvalidRecord as exc:
            if self.counters.count_invalid(exc.reason) % 1000 == 1:
                log.warning("invalid quality records dropped: %s", self.counters.invalid)
            return
        outcome = self._buffer.offer((record.room, record.peer_id), record)
        if outcome == "peer_cap":
            self.counters.dropped_peer_cap += 1
            if self.counters.dropped_peer_cap % 1000 == 1:
                log.warning("quality: peer %s over its share (%d dropped so far)",
                            record.peer_id, self.counters.dropped_peer_cap)
            return
        if outcome is not None:  # "full": this one dropped; "evicted": another's oldest
            self.counters.dropped_full += 1
            if self.counters.dropped_full % 1000 == 1:
                log.warning("quality buffer full: %d records dropped so far",
                            self.counters.dropped_full)
            if outcome == "full":
                return
        self.counters.accepted += 1
        self._wake.set()
        if len(self._buffer) >= self._max_batch:
            self._batch_ready.set()

    def _writer_running(self) -> bool:
        return self._writer is not None and not self._writer.done()

    async def room_ended(self, room: str, user_id: str, ts: datetime) -> None:
        # The transport calls this from a task of its own, so the host's closing socket
        # cannot cut the write short.
        async for session in self._db.transaction():
            await service.mark_room_ended(session, room, user_id, ts)
        # The session's last samples may still be buffered: write them, then roll it up.
        await self.flush()
        try:
            async for session in self._db.transaction():
                await quality_rollups.rollup_room(session, room, self._clock.now())
        except Exception:  # the catch-up job computes it later; the end itself is stored
            log.exception("quality rollup failed (room %s)", room)

    async def is_room_closed(self, room: str) -> bool:
        async with self._db.sessionmaker() as session:  # read only: nothing to commit
            return await service.room_is_closed(session, room, self._clock.now())

    async def flush(self) -> int:
        """Write everything buffered now; returns how many records were written."""
        written = 0
        while len(self._buffer):
            batch = self._buffer.take(self._max_batch)
            started = time.perf_counter()
            try:
                async for session in self._db.transaction():
                    await write_batch(session, batch, self._method)
                written += len(batch)
            except Exception:
                # One bad record (e.g. a user deleted meanwhile) must not lose the batch's others.
                written += await self._write_one_by_one(batch)
            self.counters.batches += 1
            self.counters.write_seconds += time.perf_counter() - started
            if len(self._buffer) < self._high_water:
                self._room.set()
        self.counters.written += written
        return written

    async def _write_one_by_one(self, batch: list[CleanRecord]) -> int:
        written = 0
        for record in batch:
            try:
                async for session in self._db.transaction():
                    await write_batch(session, [record], "insert")
                written += 1
            except Exception:
                self.counters.refused_by_database += 1
                log.exception("quality record refused (room %s)", record.room)
        return written

    async def _write_batches(self) -> None:
        while True:
            await self._wake.wait()
            # Let a few samples gather: one transaction per batch, not per sample. A buffer
            # that already holds a whole batch is written at once: lingering then only left
            # the writer idle while the buffer filled to the backpressure mark (at 12,000
            # samples/s a third of them were shed with a core not fully used).
            if len(self._buffer) < self._max_batch:
                self._batch_ready.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._linger):
                        await self._batch_ready.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("quality batch write failed")
