"""Room states in Redis: one JSON key per room, updated with WATCH/MULTI (optimistic)."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from signaling.room import RoomState
from signaling.store.base import RoomStore, T, Transition

# An ended room must keep refusing hellos (4404) long after its call; an idle one expires.
ROOM_TTL_SECONDS = 24 * 3600
MAX_ATTEMPTS = 100


class RedisRoomStore(RoomStore):
    def __init__(self, client: aioredis.Redis, prefix: str = "vth:") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, room: str) -> str:
        return f"{self._prefix}room:{room}"

    async def load(self, room: str) -> RoomState:
        return RoomState.from_json(await self._redis.get(self._key(room)))

    async def update(self, room: str, transition: Transition[T]) -> T:
        key = self._key(room)
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(MAX_ATTEMPTS):
                try:
                    await pipe.watch(key)
                    current = RoomState.from_json(await pipe.get(key))
                    new_state, result = transition(current)
                    if new_state is current:
                        await pipe.unwatch()
                        return result
                    pipe.multi()
                    pipe.set(key, new_state.to_json(), ex=ROOM_TTL_SECONDS)
                    await pipe.execute()
                    return result
                except WatchError:
                    continue
        raise RuntimeError(f"room {room!r}: too much contention, gave up")
