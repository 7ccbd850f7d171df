"""DatabasePlatform: signaling's PlatformPort backed by this app's database (embedded signaling).

Chat is written and committed before `store_chat` returns, because signaling relays a
line only after it is stored. Quality samples are many and best effort: they are
buffered and written in batches, one transaction per batch instead of per sample.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from signaling.platform import PlatformError, QualityKind
from telehealth.clock import Clock
from telehealth.db import Database
from telehealth.sessions import service
from telehealth.sessions.service import QualityItem

log = logging.getLogger(__name__)


class DatabasePlatform:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        batch_linger: float = 0.5,
        max_batch: int = 500,
        max_pending: int = 20_000,
    ) -> None:
        self._db = db
        self._clock = clock
        self._linger = batch_linger
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._pending: list[QualityItem] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.dropped = 0

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_batches(), name="sessions:quality-writer")

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        await self.flush()

    async def store_chat(
        self, room: str, user_id: str, peer_id: str, display_name: str, text: str, ts: datetime
    ) -> None:
        try:
            async for session in self._db.transaction():
                service.add_chat_line(session, room, user_id, peer_id, display_name, text, ts)
        except ValueError as exc:  # a user id that is not ours: refuse, never relay
            raise PlatformError(f"chat refused: {exc}") from exc

    async def store_quality(
        self,
        room: str,
        user_id: str,
        peer_id: str,
        kind: QualityKind,
        payload: dict[str, Any],
        ts: datetime,
    ) -> None:
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("quality buffer full: %d records dropped so far", self.dropped)
            return
        self._pending.append(QualityItem(room, user_id, peer_id, kind, payload, ts))
        self._wake.set()

    async def room_ended(self, room: str, user_id: str, ts: datetime) -> None:
        # The transport calls this from a task of its own, so the host's closing socket
        # cannot cut the write short.
        async for session in self._db.transaction():
            await service.mark_room_ended(session, room, user_id, ts)

    async def is_room_closed(self, room: str) -> bool:
        async with self._db.sessionmaker() as session:  # read only: nothing to commit
            return await service.room_is_closed(session, room, self._clock.now())

    async def flush(self) -> int:
        """Write everything buffered now; returns how many records were written."""
        written = 0
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                async for session in self._db.transaction():
                    service.add_quality(session, batch)
                written += len(batch)
            except Exception:
                # One bad record (e.g. a foreign user id) must not lose the batch's others.
                written += await self._write_one_by_one(batch)
        return written

    async def _write_one_by_one(self, batch: list[QualityItem]) -> int:
        written = 0
        for item in batch:
            try:
                async for session in self._db.transaction():
                    service.add_quality(session, [item])
                written += 1
            except Exception:
                log.exception("quality record refused (room %s)", item.room)
        return written

    async def _write_batches(self) -> None:
        while True:
            await self._wake.wait()
            # Let a few samples gather: one transaction per batch, not per sample.
            await asyncio.sleep(self._linger)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("quality batch write failed")
