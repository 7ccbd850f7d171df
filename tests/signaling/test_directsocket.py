"""The signaling socket's two paths under uvicorn: direct frames, and ASGI messages."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest

from signaling.app import create_app
from signaling.connection import AsgiFrames
from signaling.directsocket import DirectSocketProtocol
from signaling.platform import MemoryPlatform
from signaling.tools.client import SignalingClient
from signaling.tools.frames import CONTINUATION, PING, client_frame
from signaling.tools.serve import serve_in_process
from signaling.transport import SignalingService
from tests.signaling.conftest import Server, fast_settings

DIRECT = "signaling.directsocket:DirectSocketProtocol"
ASGI = "websockets-sansio"


@asynccontextmanager
async def serving(
    ws: str | None, platform: MemoryPlatform | None = None, **overrides: object
) -> AsyncIterator[tuple[Server, SignalingService]]:
    """A real server with `ws` as uvicorn's websocket protocol (None: uvicorn_options())."""
    settings = fast_settings(**overrides)
    platform = platform or MemoryPlatform()
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


def candidate(i: int) -> dict[str, Any]:
    return {"candidate": {"candidate": f"candidate:{i} 1 udp 1 10.0.0.1 9 typ host", "sdpMid": "0"}}


class SlowChatPlatform(MemoryPlatform):
    """Stores a chat line only after a while: the reader is busy while more frames come."""

    async def store_chat(self, *args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(0.2)
        await super().store_chat(*args, **kwargs)


@pytest.mark.parametrize("ws", [DIRECT, ASGI], ids=["direct", "asgi"])
async def test_each_path_keeps_order_behind_a_message_that_waits(ws: str) -> None:
    async with serving(ws, SlowChatPlatform(), rate_limit_burst=1000) as (server, _):
        alice, bob = await two_peers(server)
        frames = [orjson.dumps({"type": "chat", "text": "first"})] + [
            orjson.dumps({"type": "signal", "to": alice.peer_id, "data": candidate(i)})
            for i in range(20)
        ]
        bob.ws.transport.write(b"".join(client_frame(f) for f in frames))
        got = [await alice.recv() for _ in frames]
        assert [m["type"] for m in got] == ["chat"] + ["signal"] * 20
        assert [m["data"] for m in got[1:]] == [candidate(i) for i in range(20)]
        await alice.close()
        await bob.close()


async def test_the_direct_path_handles_most_frames_without_waking_the_reader() -> None:
    async with serving(DIRECT, rate_limit_burst=1000) as (server, service):
        alice, bob = await two_peers(server)
        [bobs] = [c.frames for c in service._conns.values() if c.peer_id == bob.peer_id]
        woken = 0
        receive_frame = bobs.receive_frame

        async def counted() -> object:
            nonlocal woken
            frame = await receive_frame()
            woken += 1
            return frame

        bobs.receive_frame = counted  # type: ignore[method-assign]
        for i in range(50):  # one at a time: each arrives while the reader waits
            await bob.signal(alice.peer_id, candidate(i))
            await bob.send({"type": "stats", "sample": {"rtt_ms": i}})
            await bob.send({"type": "ping", "ts": i})
            assert (await bob.expect("pong"))["ts"] == i
            assert (await alice.expect("signal"))["data"] == candidate(i)
        assert woken == 0
        for _ in range(100):  # the samples still reach the platform (in batches)
            if len(server.platform.quality) == 50:
                break
            await asyncio.sleep(0.02)
        assert [q["payload"]["rtt_ms"] for q in server.platform.quality] == list(range(50))
        await alice.close()
        await bob.close()


class RecordingTransport:
    """The server side's transport, recording each write before passing it on."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.raw.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def record_writes(socket: Any) -> RecordingTransport:
    spy = RecordingTransport(socket._raw)
    socket._raw = spy
    socket.transport._raw = spy  # what uvicorn writes through
    return spy


@asynccontextmanager
async def alice_recorded(**overrides: object) -> AsyncIterator[tuple[Any, Any, RecordingTransport]]:
    """Alice alone in a room on the direct path: her client, her server socket, its writes."""
    async with serving(DIRECT, **overrides) as (server, service):
        alice = await server.join("alice")
        [socket] = frame_sockets(service)
        yield alice, socket, record_writes(socket)
        await alice.close()


async def test_the_direct_path_sends_what_one_turn_wrote_in_one_write() -> None:
    async with alice_recorded(rate_limit_burst=1000) as (alice, _, spy):
        # Five messages in one read: five pongs, written by five handlers in one turn.
        alice.ws.transport.write(b"".join(client_frame(ping_message(i)) for i in range(5)))
        assert [(await alice.expect("pong"))["ts"] for _ in range(5)] == list(range(5))
        assert len(spy.writes) == 1
        assert spy.writes[0].count(b'"type":"pong"') == 5


async def test_uvicorns_own_writes_go_out_after_the_frames_batched_before_them() -> None:
    async with alice_recorded() as (alice, _, spy):
        # A message (answered through the batch), then a control ping that uvicorn answers
        # at once in the same read: the pong frame must not overtake the batched answer.
        alice.ws.transport.write(client_frame(ping_message(1)) + client_frame(b"hb", PING))
        assert (await alice.expect("pong"))["ts"] == 1
        for _ in range(100):
            if len(spy.writes) == 2:
                break
            await asyncio.sleep(0.01)
        text, control = spy.writes
        assert text[0] == 0x81 and b'"ts":1' in text
        assert control[0] == 0x8A and control.endswith(b"hb")  # the control frame's pong


async def test_a_burst_past_the_batch_bound_is_written_at_once() -> None:
    async with alice_recorded() as (alice, socket, spy):
        big = '{"type":"pong","ts":%d,"pad":"' + "x" * 40_000 + '"}'
        assert socket.write_now(big % 1)  # under the bound: waits for the turn's end
        assert spy.writes == []
        assert socket.write_now(big % 2)  # past it: both go now, in order, in one write
        [both] = spy.writes
        assert both.index(b'"ts":1') < both.index(b'"ts":2')
        assert [(await alice.expect("pong"))["ts"] for _ in range(2)] == [1, 2]


async def test_frames_batched_for_a_socket_that_closes_in_the_same_turn_are_dropped() -> None:
    async with serving(DIRECT) as (server, service):
        alice = await server.join("alice")
        bob = await server.join("bob")
        sockets = {c.peer_id: c.frames for c in service._conns.values()}
        spy = record_writes(sockets[alice.peer_id])
        assert sockets[alice.peer_id].write_now('{"type":"pong","ts":9}')
        spy.raw.abort()  # gone before the turn ends: nothing written, nothing raised
        bobs = sockets[bob.peer_id]
        assert bobs.write_now('{"type":"pong","ts":10}')  # another socket's frame still goes
        assert (await bob.expect("pong"))["ts"] == 10
        assert spy.writes == []
        await bob.close()


# Frames as a browser writes them, put on the socket byte for byte: the direct path reads
# the common ones itself and must hand everything else to websockets at a frame boundary.

def ping_message(ts: int, pad: int = 0) -> bytes:
    return orjson.dumps({"type": "ping", "ts": ts, "pad": "x" * pad})


async def test_each_path_reads_frames_however_the_stream_splits_them(
    served: tuple[Server, SignalingService],
) -> None:
    server, _ = served
    alice = await server.join("alice")
    # Short frames, 16-bit lengths, and a 40 KB one, cut at random places, several per write.
    pads = [0, 200, 5, 40_000, 0, 130, 0, 9_000] * 4
    stream = b"".join(client_frame(ping_message(i, pad)) for i, pad in enumerate(pads))
    cuts = sorted(random.Random(7).sample(range(1, len(stream)), 60))
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        alice.ws.transport.write(stream[a:b])
        await asyncio.sleep(0.002)
    got = [(await alice.expect("pong"))["ts"] for _ in pads]
    assert got == list(range(len(pads)))
    await alice.close()


async def test_each_path_answers_control_frames_between_messages_and_reads_on(
    served: tuple[Server, SignalingService],
) -> None:
    server, _ = served
    alice = await server.join("alice")
    alice.ws.transport.write(
        client_frame(ping_message(1)) + client_frame(b"hi", PING) + client_frame(ping_message(2))
    )
    assert [(await alice.expect("pong"))["ts"] for _ in range(2)] == [1, 2]
    alice.ws.transport.write(client_frame(ping_message(3)))  # back on a frame boundary
    assert (await alice.expect("pong"))["ts"] == 3
    await asyncio.wait_for(await alice.ws.ping(), 5)  # websockets' own exchange still in step
    await alice.close()


async def test_each_path_assembles_a_fragmented_message(
    served: tuple[Server, SignalingService],
) -> None:
    server, _ = served
    alice = await server.join("alice")
    message = ping_message(7, pad=300)
    alice.ws.transport.write(
        client_frame(message[:100], fin=False)
        + client_frame(message[100:250], CONTINUATION, fin=False)
        + client_frame(b"", PING)  # a control frame may come between fragments
        + client_frame(message[250:], CONTINUATION)
        + client_frame(ping_message(8))
    )
    assert [(await alice.expect("pong"))["ts"] for _ in range(2)] == [7, 8]
    await alice.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (client_frame(b'{"type":"ping","ts":1,"x":"\xff"}'), 1007),  # invalid UTF-8
        (client_frame(ping_message(1), rsv1=True), 1002),  # no extension was negotiated
        (client_frame(ping_message(1), masked=False), 1002),  # a client must mask
        (client_frame(b"x", CONTINUATION), 1002),  # nothing to continue
    ],
    ids=["invalid-utf8", "extension-bit", "unmasked", "stray-continuation"],
)
async def test_each_path_closes_on_a_broken_frame(
    served: tuple[Server, SignalingService], frame: bytes, code: int
) -> None:
    server, _ = served
    alice = await server.join("alice")
    alice.ws.transport.write(client_frame(ping_message(1)))
    assert (await alice.expect("pong"))["ts"] == 1
    alice.ws.transport.write(frame)
    closed_with, _ = await alice.closed(within=5)
    assert closed_with == code


async def test_each_path_refuses_a_message_over_the_limit_sent_in_pieces(
    served: tuple[Server, SignalingService],
) -> None:
    server, _ = served
    alice = await server.join("alice")
    frame = client_frame(ping_message(1, pad=70_000))  # a 64-bit length: websockets reads it
    for at in range(0, len(frame), 8_192):
        alice.ws.transport.write(frame[at : at + 8_192])
        await asyncio.sleep(0.001)
    assert (await alice.expect("error"))["code"] == "too_large"
    assert (await alice.closed(within=5))[0] == 1009
