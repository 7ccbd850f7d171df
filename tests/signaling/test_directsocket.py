"""The signaling socket's two paths under uvicorn: direct frames, and ASGI messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from signaling.app import create_app
from signaling.connection import AsgiFrames
from signaling.directsocket import DirectSocketProtocol
from signaling.platform import MemoryPlatform
from signaling.tools.serve import serve_in_process
from signaling.transport import SignalingService
from tests.signaling.conftest import Server, fast_settings

DIRECT = "signaling.directsocket:DirectSocketProtocol"
ASGI = "websockets-sansio"


@pytest.fixture(params=[DIRECT, ASGI], ids=["direct", "asgi"])
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Server, SignalingService]]:
    settings = fast_settings(rate_limit_burst=1000)  # bursts of 200 frames below
    platform = MemoryPlatform()
    app = create_app(settings, platform)
    async with serve_in_process(app, ws=request.param) as url:
        yield Server(url, platform, settings), app.state.signaling


def frame_sockets(service: SignalingService) -> list[object]:
    return [conn.frames for conn in service._conns.values()]


async def test_the_default_server_options_give_the_signaling_socket_the_direct_path() -> None:
    settings = fast_settings()
    app = create_app(settings, MemoryPlatform())
    async with serve_in_process(app) as url:  # uvicorn_options(), as production runs
        server = Server(url, MemoryPlatform(), settings)
        alice = await server.join("alice")
        [frames] = frame_sockets(app.state.signaling)
        assert isinstance(frames, DirectSocketProtocol)
        await alice.close()


async def test_each_path_relays_signals_in_order(
    served: tuple[Server, SignalingService],
) -> None:
    server, service = served
    alice = await server.join("alice")
    bob = await server.join("bob")
    await alice.expect("peer-joined")
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
    alice = await server.join("alice")
    bob = await server.join("bob")
    await alice.expect("peer-joined")
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
    settings = fast_settings(
        rate_limit_per_second=100_000, rate_limit_burst=100_000, max_outbound_queue=50
    )
    platform = MemoryPlatform()
    async with serve_in_process(create_app(settings, platform), ws=ws) as url:
        server = Server(url, platform, settings)
        slow = await server.join("slow")
        fast = await server.join("fast")
        await slow.expect("peer-joined")
        transport = slow.ws.transport
        transport.pause_reading()  # the client stops reading: buffers fill up to the server
        offer = {"description": {"type": "offer", "sdp": "v=0\r\n" + "a" * 60_000}}
        for _ in range(300):  # ~18 MB: past the kernel's buffers, the transport's, then 50
            await fast.signal(slow.peer_id, offer)
        transport.resume_reading()
        code, reason = await slow.closed(within=20)
        assert (code, reason) == (1013, "slow consumer")
        await fast.close()
