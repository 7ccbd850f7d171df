"""Standalone signaling app: `create_app()` for uvicorn, `python -m signaling` to run it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from signaling import PROTOCOL_PATH
from signaling.bus import Bus, MemoryBus, RedisBus
from signaling.config import SignalingSettings
from signaling.platform import HttpPlatform, MemoryPlatform, PlatformPort
from signaling.tokens import derive_service_token
from signaling.transport import SignalingService


def create_app(
    settings: SignalingSettings | None = None, platform: PlatformPort | None = None
) -> Starlette:
    """The signaling service alone, on its own origin.

    Without `platform`, it reaches the platform over HTTP when
    TELEHEALTH_PLATFORM_URL is set, else it keeps chat and quality in memory
    (MemoryPlatform: development only, nothing survives a restart).
    """
    settings = settings or SignalingSettings()
    holder: dict[str, SignalingService] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bus: Bus = (
            RedisBus.from_url(settings.redis_url, settings.bus_prefix)
            if settings.redis_url
            else MemoryBus()
        )
        client: httpx.AsyncClient | None = None
        port = platform
        if port is None and settings.platform_url:
            client = httpx.AsyncClient(
                base_url=settings.platform_url, timeout=settings.platform_timeout
            )
            port = HttpPlatform(client, derive_service_token(settings.secret_key))
        service = SignalingService(settings, bus, port or MemoryPlatform())
        await service.start()
        holder["service"] = service
        app.state.signaling = service
        try:
            yield
        finally:
            await service.stop()
            if client is not None:
                await client.aclose()
            await bus.close()

    async def endpoint(websocket: WebSocket) -> None:
        await holder["service"].endpoint(websocket)

    async def health(request: Request) -> JSONResponse:
        service = holder.get("service")
        return JSONResponse(
            {"ok": service is not None, "connections": service.connection_count if service else 0}
        )

    return Starlette(
        routes=[WebSocketRoute(PROTOCOL_PATH, endpoint), Route("/healthz", health)],
        lifespan=lifespan,
    )
