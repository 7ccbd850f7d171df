"""A Redis restart cuts the bus's subscriptions: the bus says so until they are re-made."""

from __future__ import annotations

import asyncio
import time

import pytest

from signaling.bus import MemoryBus, RedisBus
from tests.scale.servers import own_redis

pytestmark = [pytest.mark.redis]


async def _until(check: object, what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{what} within {within} s")


async def test_a_memory_bus_never_loses_its_subscriptions() -> None:
    assert MemoryBus().lost_subscriptions == 0


async def test_lost_subscriptions_are_counted_until_redis_is_back() -> None:
    with own_redis() as redis:
        bus = RedisBus.from_url(redis.url, prefix="vt-resub:")
        received: list[dict[str, object]] = []
        try:
            async with bus.subscribe("room") as messages:
                async def read() -> None:
                    async for _, message in messages:
                        received.append(message)

                reader = asyncio.create_task(read())
                try:
                    assert bus.lost_subscriptions == 0
                    redis.stop()
                    await _until(lambda: bus.lost_subscriptions == 1, "the loss is seen")
                    redis.start()
                    await _until(lambda: bus.lost_subscriptions == 0, "the subscription is back")
                    # Back means live: a message published now arrives.
                    await bus.publish("room", {"n": 1})
                    await _until(lambda: received == [{"n": 1}], "the message arrives", 5)
                finally:
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
        finally:
            await bus.close()
            await bus.client.aclose()
