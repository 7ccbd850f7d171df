"""Redis pub/sub bus: JSON payloads, every channel under a configurable prefix."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from signaling.bus.base import Bus, BusMessage, decode, encode

log = logging.getLogger(__name__)
SUBSCRIBE_CONFIRM_TIMEOUT = 5.0
# Connections are shared by publishers, room-store transactions and nothing else; callers
# wait for a free one (instead of failing) when thousands of sockets close at once.
POOL_SIZE = 64
POOL_WAIT_SECONDS = 10.0
MAX_BATCH = 512
# A lost subscription (Redis restarted) is re-made with backoff, forever: a worker whose
# channel stays dead would silently stop relaying to its sockets.
RESUBSCRIBE_MIN_SECONDS = 0.2
RESUBSCRIBE_MAX_SECONDS = 5.0


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
        self._pending: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._lost = 0

    @property
    def lost_subscriptions(self) -> int:
        return self._lost

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
        self._pending.append((self._prefix + channel, encode(message), done))
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
        names = [self._prefix + c for c in channels]
        current: list[aioredis.client.PubSub] = []  # the live PubSub, replaced on reconnect
        try:
            early = await self._subscribe(names, current)
            yield self._iterate(names, current, early)
        finally:
            for pubsub in current:
                await pubsub.aclose()

    async def _subscribe(
        self, names: list[str], current: list[aioredis.client.PubSub]
    ) -> list[BusMessage]:
        pubsub = self._redis.pubsub()
        current[:] = [pubsub]
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
        return early

    async def _iterate(
        self, names: list[str], current: list[aioredis.client.PubSub], early: list[BusMessage]
    ) -> AsyncIterator[BusMessage]:
        for item in early:
            yield item
        while True:
            try:
                async for raw in current[0].listen():
                    if raw["type"] == "message":
                        yield self._decode(raw)
            except (RedisError, OSError) as exc:
                log.warning("bus subscription lost (%s); resubscribing", type(exc).__name__)
            # Messages published while we were away are lost (the bus is at most once);
            # what matters is that the channel comes back without a restart.
            self._lost += 1
            try:
                early = await self._resubscribe(names, current)
            finally:
                self._lost -= 1
            for item in early:
                yield item

    async def _resubscribe(
        self, names: list[str], current: list[aioredis.client.PubSub]
    ) -> list[BusMessage]:
        delay = RESUBSCRIBE_MIN_SECONDS
        while True:
            for stale in current:
                with contextlib.suppress(RedisError, OSError):
                    await stale.aclose()
            try:
                early = await self._subscribe(names, current)
            except (RedisError, OSError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUBSCRIBE_MAX_SECONDS)
                continue
            log.info("bus subscription restored (%d channels)", len(names))
            return early

    def _decode(self, raw: dict[str, Any]) -> BusMessage:
        channel = raw["channel"].decode() if isinstance(raw["channel"], bytes) else raw["channel"]
        return channel[len(self._prefix):], decode(raw["data"])

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
