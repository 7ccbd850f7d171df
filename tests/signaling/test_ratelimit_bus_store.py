"""Rate limiter, bus and room store (memory and the real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from signaling.bus import Bus, MemoryBus, RedisBus
from signaling.ratelimit import TokenBucket, Verdict
from signaling.room import JoinRequest, Limits, RoomState, join
from signaling.store import MemoryRoomStore, RedisRoomStore, RoomStore
from tests.signaling.conftest import REDIS_URL


def test_bucket_allows_burst_then_warns_then_closes() -> None:
    bucket = TokenBucket(rate=50, burst=100)
    verdicts = [bucket.take(0.0) for _ in range(151)]
    assert verdicts[:100] == [Verdict.ACCEPT] * 100
    assert set(verdicts[100:149]) == {Verdict.REJECT}
    assert verdicts[150] is Verdict.CLOSE


def test_bucket_refills_at_the_sustained_rate() -> None:
    bucket = TokenBucket(rate=50, burst=100)
    assert all(bucket.take(i / 50) is Verdict.ACCEPT for i in range(1000))


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[Bus]:
    made: Bus = MemoryBus() if request.param == "memory" else RedisBus.from_url(
        REDIS_URL, redis_prefix)
    yield made
    await made.close()


async def test_bus_delivers_in_publish_order_to_live_subscriptions(bus: Bus) -> None:
    await bus.publish("before", {"lost": True})
    async with bus.subscribe("a", "b") as messages:
        for i in range(20):
            await bus.publish("a" if i % 2 else "b", {"i": i, "ấ": [1, None]})
        got = []
        async with asyncio.timeout(5):
            async for channel, message in messages:
                got.append((channel, message["i"]))
                if len(got) == 20:
                    break
    assert got == [("a" if i % 2 else "b", i) for i in range(20)]


async def test_bus_refuses_non_json_messages(bus: Bus) -> None:
    with pytest.raises(TypeError):
        await bus.publish("a", {"x": object()})


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[RoomStore]:
    if request.param == "memory":
        yield MemoryRoomStore()
        return
    client = aioredis.Redis.from_url(REDIS_URL)
    yield RedisRoomStore(client, redis_prefix)
    await client.aclose()


async def test_concurrent_joins_are_serialised(store: RoomStore) -> None:
    limits = Limits(max_peers=50)

    async def add(i: int) -> None:
        request = JoinRequest(f"p{i}", f"u{i}", "x", "participant", "w", f"c{i}")
        await store.update("room", lambda s: join(s, request, 0, limits))

    await asyncio.gather(*(add(i) for i in range(20)))
    state = await store.load("room")
    assert sorted(m.peer_id for m in state.members) == sorted(f"p{i}" for i in range(20))
    assert state.version == 20


async def test_refused_transition_writes_nothing(store: RoomStore) -> None:
    def refuse(state: RoomState) -> tuple[RoomState, None]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        await store.update("room", refuse)
    assert await store.load("room") == RoomState()
