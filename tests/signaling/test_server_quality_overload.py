"""A full quality queue: stats and events are dropped before parsing, nothing else is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from signaling import protocol
from signaling.app import create_app
from signaling.tools.client import SignalingClient
from signaling.tools.serve import serve_in_process
from signaling.transport import SignalingService
from tests.signaling.conftest import Server, fast_settings
from tests.signaling.test_quality_sink import CountingPlatform

STATS = '{"type":"stats","sample":{"rtt_ms":40,"jitter_ms":2.5}}'


@asynccontextmanager
async def stalled_server() -> AsyncIterator[tuple[Server, SignalingService, asyncio.Event]]:
    """A server whose platform holds every quality batch until the gate opens."""
    gate = asyncio.Event()
    platform = CountingPlatform(gate)
    settings = fast_settings(quality_queue_size=3)
    app = create_app(settings, platform)
    async with serve_in_process(app) as url:
        try:
            yield Server(url, platform, settings), app.state.signaling, gate
        finally:
            gate.set()


async def fill(client: SignalingClient, service: SignalingService) -> None:
    """Send samples until the queue is full (the drain tasks hold a few in flight)."""
    for n in range(50):
        await client.send_raw(STATS)
        await client.send({"type": "ping", "ts": n})
        await client.expect("pong")
        if service.quality.full:
            return
    raise AssertionError("the quality queue never filled")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every frame the server parses, in order."""
    seen: list[str] = []
    real = protocol.parse_client_message

    def counting(text: str) -> protocol.ClientMessage:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(protocol, "parse_client_message", counting)
    return seen


async def test_a_full_queue_drops_stats_and_events_unparsed_and_counts_them(
    parses: list[str],
) -> None:
    async with stalled_server() as (server, service, gate):
        alice = await server.join("alice")
        await fill(alice, service)
        dropped_before = service.quality.dropped
        parses.clear()
        for _ in range(5):
            await alice.send_raw(STATS)
        await alice.send({"type": "event", "name": "ice-restart"})
        await alice.send({"type": "ping", "ts": "after"})
        assert (await alice.expect("pong"))["ts"] == "after"  # no error came first
        assert parses == ['{"type": "ping", "ts": "after"}']
        assert service.quality.shed_unparsed == 6
        assert service.quality.dropped == dropped_before + 6
        gate.set()
        await alice.close()


async def test_a_full_queue_still_relays_signals_and_chat_on_the_same_socket(
    parses: list[str],
) -> None:
    async with stalled_server() as (server, service, gate):
        alice, bob = await server.join("alice"), await server.join("bob")
        await alice.expect("peer-joined")
        await fill(bob, service)
        shed_before = service.quality.shed_unparsed
        await bob.send_raw(STATS)
        candidate: dict[str, Any] = {"candidate": {"candidate": "c", "sdpMid": "0"}}
        await bob.signal(alice.peer_id, candidate, msg_id="s1")
        assert (await alice.expect("signal"))["data"] == candidate
        assert (await bob.expect("ack"))["id"] == "s1"
        await bob.send({"type": "chat", "text": "Chào", "id": "c1"})
        # Frames that start like a sample but parse as chat (the last "type" wins).
        await bob.send_raw('{"type":"stats","text":"dup","type":"chat"}')
        await bob.send_raw('{"type":"event","\\u0074ype":"chat","text":"esc"}')
        texts = [(await alice.expect("chat"))["text"] for _ in range(3)]
        assert texts == ["Chào", "dup", "esc"]
        assert [line["text"] for line in server.platform.chats] == ["Chào", "dup", "esc"]
        assert (await bob.expect("ack", skip=("chat",)))["id"] == "c1"
        # A sample with an id is parsed and acknowledged, then dropped by the full queue.
        dropped_before = service.quality.dropped
        await bob.send({"type": "stats", "sample": {"rtt_ms": 1}, "id": "q1"})
        assert (await bob.expect("ack", skip=("chat",)))["id"] == "q1"
        assert service.quality.dropped == dropped_before + 1
        assert service.quality.shed_unparsed == shed_before + 1
        gate.set()
        await alice.close()
        await bob.close()
