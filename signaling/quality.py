"""Hands stats samples and connection events to the platform off the socket's hot path."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signaling.platform import PlatformPort, QualityKind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QualityRecord:
    room: str
    user_id: str
    peer_id: str
    kind: QualityKind
    payload: dict[str, Any]
    ts: datetime


class QualitySink:
    """A bounded queue drained by a few tasks.

    Quality data is best effort: a slow platform must never delay a signal
    relayed on the same socket, so records are queued, and dropped (counted,
    logged) when the queue is full.
    """

    def __init__(self, platform: PlatformPort, maxsize: int = 10_000, workers: int = 4) -> None:
        self._platform = platform
        self._queue: asyncio.Queue[QualityRecord] = asyncio.Queue(maxsize)
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0
        self.failed = 0

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._drain()) for _ in range(self._workers)]

    def put(self, record: QualityRecord) -> None:
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("quality queue full: %d records dropped so far", self.dropped)

    async def stop(self, flush_timeout: float = 2.0) -> None:
        try:
            async with asyncio.timeout(flush_timeout):
                await self._queue.join()
        except TimeoutError:
            log.warning("quality queue not flushed: %d records lost", self._queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _drain(self) -> None:
        while True:
            record = await self._queue.get()
            try:
                await self._platform.store_quality(
                    record.room, record.user_id, record.peer_id, record.kind, record.payload,
                    record.ts,
                )
            except Exception:
                self.failed += 1
                log.exception("store_quality failed (room %s)", record.room)
            finally:
                self._queue.task_done()
