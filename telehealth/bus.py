"""The platform's message bus: in-process by default, Redis pub/sub when configured."""

from __future__ import annotations

from typing import Any

from telehealth.config import Settings


def create_bus(settings: Settings) -> Any:
    from signaling.bus import MemoryBus, RedisBus

    if settings.redis_url:
        # The same channel prefix as standalone signaling's (SignalingSettings.bus_prefix).
        return RedisBus.from_url(settings.redis_url, prefix=f"{settings.redis_prefix}:")
    return MemoryBus()
