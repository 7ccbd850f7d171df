"""Fixtures: a real signaling server on a free port, token minting, a real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from signaling.app import create_app
from signaling.config import SignalingSettings
from signaling.platform import MemoryPlatform
from signaling.tokens import Role, derive_signaling_secret, mint_join_token
from signaling.tools.client import SignalingClient
from signaling.tools.serve import serve_in_process

REDIS_URL = os.environ.get("TELEHEALTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET_KEY = "test-secret-key"


@dataclass
class Server:
    url: str
    platform: MemoryPlatform
    settings: SignalingSettings

    def token(
        self, user_id: str, role: Role = "participant", room: str = "room-1",
        name: str | None = None, ttl: int = 300,
    ) -> str:
        return mint_join_token(
            derive_signaling_secret(self.settings.secret_key), user_id=user_id, room=room,
            role=role, display_name=name or user_id.title(), ttl_seconds=ttl,
        )

    async def client(self) -> SignalingClient:
        return await SignalingClient.connect(self.url)

    async def join(
        self, user_id: str, role: Role = "participant", room: str = "room-1"
    ) -> SignalingClient:
        client = await self.client()
        await client.hello(self.token(user_id, role, room))
        return client


def fast_settings(**overrides: object) -> SignalingSettings:
    values: dict[str, object] = {
        "secret_key": SECRET_KEY,
        "handshake_timeout": 0.3,
        "liveness_timeout": 30.0,
        "resume_grace": 30.0,
        "stun_urls": ["stun:stun.example.org:3478"],
        "turn_urls": ["turn:turn.example.org:3478?transport=udp"],
        "turn_secret": "turn-secret",
    }
    values.update(overrides)
    return SignalingSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_server() -> Callable[..., object]:
    """`async with make_server(**settings) as server:` for tests that need other settings."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def factory(**overrides: object) -> AsyncIterator[Server]:
        settings = fast_settings(**overrides)
        platform = MemoryPlatform()
        async with serve_in_process(create_app(settings, platform)) as url:
            yield Server(url, platform, settings)

    return factory


@pytest.fixture
async def server(make_server: Callable[..., object]) -> AsyncIterator[Server]:
    async with make_server() as running:  # type: ignore[attr-defined]
        yield running


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A unique key prefix on the real Redis; a missing Redis fails the test."""
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"Redis at {REDIS_URL} is required: {exc!r}")
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
