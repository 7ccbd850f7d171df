"""Embedded and standalone signaling read one TELEHEALTH_REDIS_PREFIX the same way."""

from __future__ import annotations

from signaling.config import SignalingSettings
from telehealth.bus import create_bus
from telehealth.config import Settings
from telehealth.sessions.runtime import signaling_settings


async def test_embedded_and_standalone_signaling_share_bus_and_store_prefixes() -> None:
    platform = Settings(redis_url="redis://127.0.0.1:6379/0", redis_prefix="tinh08")
    embedded = signaling_settings(platform)
    standalone = SignalingSettings(redis_prefix="tinh08")
    bus = create_bus(platform)
    try:
        assert bus._prefix == standalone.bus_prefix == embedded.bus_prefix
        assert embedded.store_prefix == standalone.store_prefix == "tinh08:sig:"
    finally:
        await bus.close()
