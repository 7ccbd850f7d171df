"""Two real aiortc peers negotiate through the signaling server and exchange media."""

from __future__ import annotations

import asyncio

import pytest

from signaling.app import create_app
from signaling.platform import MemoryPlatform
from signaling.tools.peer import AiortcPeer
from signaling.tools.serve import serve_in_process, spawn_server
from tests.signaling.conftest import REDIS_URL, SECRET_KEY, Server, fast_settings

pytestmark = pytest.mark.slow


async def call(url_a: str, url_b: str, server: Server) -> None:
    first = AiortcPeer(url_a, server.token("doctor", "host", room="call"))
    second = AiortcPeer(url_b, server.token("patient-family", "participant", room="call"))
    try:
        await first.join()
        welcome = await second.join()  # the newcomer offers to the peer it found
        assert [p["peer_id"] for p in welcome["peers"]] == [first.peer_id]
        await asyncio.gather(
            first.wait_for_frames(audio=10, video=5, within=30),
            second.wait_for_frames(audio=10, video=5, within=30),
        )
        assert first.frames[second.peer_id]["video"] >= 5
        assert second.frames[first.peer_id]["audio"] >= 10
        assert first.connected == {second.peer_id} and second.connected == {first.peer_id}
    finally:
        await first.close()
        await second.close()


async def test_two_aiortc_peers_exchange_audio_and_video() -> None:
    settings = fast_settings(stun_urls=[], turn_urls=[])  # loopback only, no network
    platform = MemoryPlatform()
    async with serve_in_process(create_app(settings, platform)) as url:
        await call(url, url, Server(url, platform, settings))
    assert any(q["payload"].get("name") == "connected" for q in platform.quality)


@pytest.mark.redis
async def test_two_aiortc_peers_on_two_server_processes_sharing_redis(redis_prefix: str) -> None:
    env = {
        "TELEHEALTH_SECRET_KEY": SECRET_KEY,
        "TELEHEALTH_REDIS_URL": REDIS_URL,
        "TELEHEALTH_REDIS_PREFIX": redis_prefix,
        "TELEHEALTH_STUN_URLS": "[]",
        "TELEHEALTH_TURN_URLS": "[]",
    }
    settings = fast_settings()
    with spawn_server(env) as url_a, spawn_server(env) as url_b:
        assert url_a != url_b
        await call(url_a, url_b, Server(url_a, MemoryPlatform(), settings))
