"""Redis pub/sub bus: JSON payloads, every channel under a configurable prefix."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis

from signaling.bus.base import Bus, BusMessage

log = logging.getLogger(__name__)
SUBSCRIBE_CONFIRM_TIMEOUT = 5.0
# Connections are shared by publishers, room-store transactions and nothing else; callers
# wait for a free one (instead of failing) when thousands of sockets close at once.
POOL_SIZE = 64
POOL_WAIT_SECONDS = 10.0
MAX_BATCH = 512


class RedisBus(Bus):
    """Pub/sub over one shared client; each `subscribe` holds its own connection.

    Publishes are queued and sent in pipelined batches by a single flusher: one
    FIFO keeps every publisher's order, and batching turns thousands of relayed
    frames a second into a few round trips. `publish` returns once Redis has
    taken the message. The prefix isolates deployments and parallel test runs.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "vth:") -> None:
        self._redis = client
        self._prefix = prefix
        self._pending: list[tuple[str, str, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, prefix: str = "vth:") -> RedisBus:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS
        )
        return cls(aioredis.Redis(connection_pool=pool), prefix)

    @property
    def client(self) -> aioredis.Redis:
        return self._redis

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((self._prefix + channel, json.dumps(message), done))
        self._wake.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_forever())
        await done

    async def _flush_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for channel, data, _ in batch:
                            pipe.publish(channel, data)
                        await pipe.execute()
                except Exception as exc:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for _, _, done in batch:
                    if not done.done():
                        done.set_result(None)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[BusMessage]]:
        pubsub = self._redis.pubsub()
        names = [self._prefix + c for c in channels]
        try:
            await pubsub.subscribe(*names)
            # SUBSCRIBE is only live once Redis confirms it; until then a publish on
            # another connection could pass us by, so wait for every confirmation.
            early: list[BusMessage] = []
            confirmed = 0
            while confirmed < len(names):
                raw = await pubsub.get_message(timeout=SUBSCRIBE_CONFIRM_TIMEOUT)
                if raw is None:
                    raise TimeoutError("Redis did not confirm the subscription")
                if raw["type"] == "subscribe":
                    confirmed += 1
                elif raw["type"] == "message":
                    early.append(self._decode(raw))
            yield self._iterate(pubsub, early)
        finally:
            await pubsub.aclose()

    async def _iterate(
        self, pubsub: aioredis.client.PubSub, early: list[BusMessage]
    ) -> AsyncIterator[BusMessage]:
        for item in early:
            yield item
        async for raw in pubsub.listen():
            if raw["type"] == "message":
                yield self._decode(raw)

    def _decode(self, raw: dict[str, Any]) -> BusMessage:
        channel = raw["channel"].decode() if isinstance(raw["channel"], bytes) else raw["channel"]
        return channel[len(self._prefix):], json.loads(raw["data"])

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        for _, _, done in self._pending:
            if not done.done():
                done.set_exception(RuntimeError("bus closed"))
        self._pending.clear()
        # The bus owns its client and pool (also one handed to __init__).
        await self._redis.aclose(close_connection_pool=True)
