"""Redis pub/sub bus: JSON payloads, every channel under a configurable prefix."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis

from signaling.bus.base import Bus, BusMessage

SUBSCRIBE_CONFIRM_TIMEOUT = 5.0


class RedisBus(Bus):
    """Pub/sub over one shared client; each `subscribe` holds its own connection.

    The prefix isolates deployments and parallel test runs sharing one Redis.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "vth:") -> None:
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "vth:") -> RedisBus:
        return cls(aioredis.Redis.from_url(url), prefix)

    @property
    def client(self) -> aioredis.Redis:
        return self._redis

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._redis.publish(self._prefix + channel, json.dumps(message))

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
        await self._redis.aclose()
