"""ICE servers for a check: the browser's list and the server probe's, from one configuration."""

from __future__ import annotations

import uuid
from typing import Any

from aiortc import RTCIceServer

from signaling.tools.probe import ice_server
from signaling.turn import build_ice_servers
from telehealth.config import Settings

# TURN credentials name a user; the probe's own are not tied to anyone.
PROBE_TURN_USER = "connection-check"


def browser_ice_servers(settings: Settings, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """RTCIceServer dicts for the page, with short-lived TURN credentials for this user."""
    return build_ice_servers(
        stun_urls=settings.stun_urls,
        turn_urls=settings.turn_urls,
        turn_secret=settings.turn_secret,
        turn_ttl_seconds=settings.turn_ttl_seconds,
        user_id=str(user_id),
    )


def probe_ice_servers(settings: Settings) -> list[RTCIceServer]:
    """The server peer's ICE servers, minted per check so TURN credentials never go stale."""
    servers = build_ice_servers(
        stun_urls=settings.stun_urls,
        turn_urls=settings.turn_urls,
        turn_secret=settings.turn_secret,
        turn_ttl_seconds=settings.turn_ttl_seconds,
        user_id=PROBE_TURN_USER,
    )
    return [ice_server(s["urls"], s.get("username"), s.get("credential")) for s in servers]
