"""Embedded signaling: the SignalingService inside this app, its settings and its socket route.

The same service can run on its own (`python -m signaling`, reaching this app through
the internal API); embedded, it shares the app's bus and stores through the database
directly (DatabasePlatform).
"""

from __future__ import annotations

from fastapi import FastAPI, WebSocket

from signaling import PROTOCOL_PATH
from signaling.config import SignalingSettings
from signaling.transport import SignalingService
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.sessions.platform import DatabasePlatform


def signaling_settings(settings: Settings) -> SignalingSettings:
    """Signaling's settings: timeouts and limits from the environment; the secret, Redis and
    ICE servers from the app's Settings, so tokens minted here verify there, rooms span every
    worker, and the join-token answer lists the same STUN/TURN servers as `welcome`."""
    return SignalingSettings(
        secret_key=settings.secret_key,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        stun_urls=settings.stun_urls,
        turn_urls=settings.turn_urls,
        turn_secret=settings.turn_secret,
        turn_ttl_seconds=settings.turn_ttl_seconds,
    )


class LiveSessions:
    """Owned by the app's lifespan: started after the bus, stopped before it closes."""

    def __init__(self, settings: SignalingSettings, db: Database, bus: object, clock: Clock):
        self.platform = DatabasePlatform(db, clock)
        self.service = SignalingService(settings, bus, self.platform)  # type: ignore[arg-type]

    async def start(self) -> None:
        await self.platform.start()
        await self.service.start()

    async def stop(self) -> None:
        # Sockets first (they may still store chat), then the last quality batch.
        await self.service.stop()
        await self.platform.stop()


async def start_live_sessions(
    app: FastAPI, db: Database, bus: object, clock: Clock
) -> LiveSessions:
    live = LiveSessions(app.state.signaling_settings, db, bus, clock)
    await live.start()
    app.state.live_sessions = live
    return live


async def _signaling_endpoint(websocket: WebSocket) -> None:
    live: LiveSessions = websocket.app.state.live_sessions
    await live.service.endpoint(websocket)


def install_live_sessions(app: FastAPI, settings: Settings) -> None:
    app.state.signaling_settings = signaling_settings(settings)
    app.add_api_websocket_route(PROTOCOL_PATH, _signaling_endpoint)
