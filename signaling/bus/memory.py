"""In-process bus for a single worker (the embedded mode and tests)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from signaling.bus.base import Bus, BusMessage, decode, encode


class MemoryBus(Bus):
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[BusMessage]]] = defaultdict(set)
        self._closed = False

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        if self._closed:
            raise RuntimeError("bus closed")
        # Round-trip through JSON so the memory bus refuses what Redis would refuse,
        # and no subscriber shares a mutable dict with the publisher.
        raw = encode(message)
        for queue in self._queues.get(channel, ()):
            queue.put_nowait((channel, decode(raw)))

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[BusMessage]]:
        queue: asyncio.Queue[BusMessage] = asyncio.Queue()
        for channel in channels:
            self._queues[channel].add(queue)
        try:
            yield _drain(queue)
        finally:
            for channel in channels:
                self._queues[channel].discard(queue)
                if not self._queues[channel]:
                    del self._queues[channel]

    async def close(self) -> None:
        self._closed = True
        self._queues.clear()


async def _drain(queue: asyncio.Queue[BusMessage]) -> AsyncIterator[BusMessage]:
    while True:
        yield await queue.get()
