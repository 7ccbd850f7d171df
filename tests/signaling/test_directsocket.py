"""The signaling socket's two paths under uvicorn: direct frames, and ASGI messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from signaling.app import create_app
from signaling.connection import AsgiFrames
from signaling.directsocket import DirectSocketProtocol
from signaling.platform import MemoryPlatform
from signaling.tools.client import SignalingClient
from signaling.tools.serve import serve_in_process
from signaling.transport import SignalingService
from tests.signaling.conftest import Server, fast_settings

DIRECT = "signaling.directsocket:DirectSocketProtocol"
ASGI = "websockets-sansio"


@asynccontextmanager
async def serving(
    ws: str | None, **overrides: object
) -> AsyncIterator[tuple[Server, SignalingService]]:
    """A real server with `ws` as uvicorn's websocket protocol (None: uvicorn_options())."""
    settings = fast_settings(**overrides)
    platform = MemoryPlatform()
    app = create_app(settings, platform)
    async with serve_in_process(app, ws=ws) as url:
        yield Server(url, platform, settings), app.state.signaling


@pytest.fixture(params=[DIRECT, ASGI], ids=["direct", "asgi"])
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Server, SignalingService]]:
    async with serving(request.param, rate_limit_burst=1000) as pair:  # bursts of 200 frames
        yield pair


async def two_peers(server: Server) -> tuple[SignalingClient, SignalingClient]:
    first = await server.join("alice")
    second = await server.join("bob")
    await first.expect("peer-joined")
    return first, second


def frame_sockets(service: SignalingService) -> list[object]:
    return [conn.frames for conn in service._conns.values()]


async def test_the_default_server_options_give_the_signaling_socket_the_direct_path() -> None:
    async with serving(None) as (server, service):  # uvicorn_options(), as production runs
        alice = await server.join("alice")
        [frames] = frame_sockets(service)
        assert isinstance(frames, DirectSocketProtocol)
        await alice.close()


async def test_each_path_relays_signals_in_order(
    served: tuple[Server, SignalingService],
) -> None:
    server, service = served
    alice, bob = await two_peers(server)
    kinds = {type(f) for f in frame_sockets(service)}
    assert kinds == {DirectSocketProtocol} or kinds == {AsgiFrames}
    for i in range(200):  # past the direct path's read-ahead of 64 frames
        await bob.signal(alice.peer_id, {"candidate": {"candidate": f"c{i}", "sdpMid": "0"}})
    got = [await alice.expect("signal") for _ in range(200)]
    assert [m["data"]["candidate"]["candidate"] for m in got] == [f"c{i}" for i in range(200)]
    await alice.close()
    await bob.close()


async def test_each_path_refuses_a_binary_frame_and_stays_open(
    served: tuple[Server, SignalingService],
) -> None:
    server, _ = served
    alice = await server.join("alice")
    await alice.send_raw(b'{"type":"ping","ts":1}')
    error = await alice.expect("error")
    assert error["code"] == "bad_message"
    await alice.send({"type": "ping", "ts": 2})
    assert (await alice.expect("pong"))["ts"] == 2
    await alice.close()


async def test_each_path_notices_a_dropped_socket(served: tuple[Server, SignalingService]) -> None:
    server, service = served
    alice, bob = await two_peers(server)
    await bob.ws.close()  # no leave message: the socket just goes (a lost 4G link)
    for _ in range(100):
        if service.connection_count == 1:
            break
        await asyncio.sleep(0.02)
    assert service.connection_count == 1
    again = await server.client()
    await again.hello(server.token("bob"), resume=bob.peer_id)
    assert again.peer_id == bob.peer_id
    assert (await alice.expect("peer-reconnected"))["peer_id"] == bob.peer_id
    await alice.close()
    await again.close()


@pytest.mark.parametrize("ws", [DIRECT, ASGI], ids=["direct", "asgi"])
async def test_each_path_closes_a_socket_that_stops_reading_with_1013(ws: str) -> None:
    limits = {"rate_limit_per_second": 100_000, "rate_limit_burst": 100_000}
    async with serving(ws, max_outbound_queue=50, **limits) as (server, _):
        slow, fast = await two_peers(server)
        transport = slow.ws.transport
        transport.pause_reading()  # the client stops reading: buffers fill up to the server
        offer = {"description": {"type": "offer", "sdp": "v=0\r\n" + "a" * 60_000}}
        for _ in range(300):  # ~18 MB: past the kernel's buffers, the transport's, then 50
            await fast.signal(slow.peer_id, offer)
        transport.resume_reading()
        code, reason = await slow.closed(within=20)
        assert (code, reason) == (1013, "slow consumer")
        await fast.close()
