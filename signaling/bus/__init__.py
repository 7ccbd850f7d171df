"""Bus implementations: in-process (MemoryBus) and Redis pub/sub (RedisBus)."""

from signaling.bus.base import Bus, BusMessage
from signaling.bus.memory import MemoryBus
from signaling.bus.redis import RedisBus

__all__ = ["Bus", "BusMessage", "MemoryBus", "RedisBus"]
