"""Shared room state: one atomic read-modify-write per transition (memory or Redis)."""

from signaling.store.base import RoomStore
from signaling.store.memory import MemoryRoomStore
from signaling.store.redis import RedisRoomStore

__all__ = ["MemoryRoomStore", "RedisRoomStore", "RoomStore"]
