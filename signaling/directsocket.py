"""Frames straight from uvicorn's websocket protocol to the signaling endpoint, and back.

Under ASGI every received frame becomes a message dict that waits in an `asyncio.Queue`
for the app's `receive()` (uvicorn also stops and restarts reading the socket around
each one), and every sent frame goes through Starlette's and uvicorn's `send`
coroutines. For a relay whose whole job is moving small frames, that is a large share
of the cost (docs/benchmarks.md, Signaling). `DirectSocketProtocol` is uvicorn's own
sans-I/O protocol with one addition, offered to the app as the ASGI extension
`vtelehealth.direct_socket`: once the app has accepted the socket, it may `take_over()`
and then read frames from a deque and write them to the transport without either layer.
The handshake, pings, the closing handshake and every close stay uvicorn's.

On the direct path the common frame (a whole, masked, uncompressed text or binary frame
within the size limit) is also read and written here rather than through `websockets`'
frame objects: its parser costs ~11 µs a frame and its writer ~3.5 µs, against ~2 µs and
~1 µs for the few lines below (docs/benchmarks.md). Every other frame (ping, pong,
close, a fragment, anything with extension bits, an oversized or unmasked frame) and
everything after it in the same read is handed to `websockets`, which always receives
the stream at a frame boundary, so its state machine stays exact.

An app served another way (another ASGI server, a test transport) does not see the
extension and uses the ASGI messages as before (`signaling.connection.AsgiFrames`).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import apply_mask  # websockets' C speedup when built
from websockets.http11 import Request
from websockets.protocol import State

from signaling.connection import DIRECT_SOCKET, Admitted, FrameHandler

log = logging.getLogger(__name__)

# Frames read but not yet taken by the endpoint before reading pauses (uvicorn pauses after
# every frame). The endpoint's rate limit closes a socket long before this matters.
HIGH_WATER = 64
LOW_WATER = 16

# Bytes a socket may hold in its turn's batch before they are written at once: a relay
# turn rarely holds more than a frame or two per socket; this only bounds a burst.
BATCH_BYTES = 65536

# First header byte of a whole frame (FIN set, no extension bits): text or binary.
_WHOLE_TEXT = 0x81
_WHOLE_BINARY = 0x82
_MASKED = 0x80


def frame_header(size: int) -> bytes:
    """The header of a whole, unmasked text frame of `size` bytes (a server's frame)."""
    if size < 126:
        return bytes((_WHOLE_TEXT, size))
    if size < 65536:
        return bytes((_WHOLE_TEXT, 126)) + size.to_bytes(2, "big")
    return bytes((_WHOLE_TEXT, 127)) + size.to_bytes(8, "big")


class _TurnBatch:
    """The sockets with frames written during this turn of the event loop.

    Frames written on the direct path are sent together, once the loop has run the read
    callbacks of its turn, rather than one `send()` each as they are produced. The
    number of writes stays the same (one per socket with something to send), but they
    come in one burst: on a virtual machine a `send()` that wakes a sleeping receiver
    costs an inter-processor interrupt, and writes spread through the turn woke the
    same receivers again and again (measured: 33–34 → 17–20 µs of server CPU per relayed
    message, docs/benchmarks.md "Signaling", session 6).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._sockets: list[DirectSocketProtocol] = []

    def add(self, socket: DirectSocketProtocol) -> None:
        if not self._sockets:
            self._loop.call_soon(self._send)
        self._sockets.append(socket)

    def _send(self) -> None:
        sockets, self._sockets = self._sockets, []
        for socket in sockets:
            try:
                socket.send_batched()
            except Exception:  # one broken socket must not hold back the others' frames
                log.exception("batched write failed")


_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _TurnBatch] = (
    weakref.WeakKeyDictionary()
)


def _turn_batch(loop: asyncio.AbstractEventLoop) -> _TurnBatch:
    batch = _batches.get(loop)
    if batch is None:
        batch = _batches[loop] = _TurnBatch(loop)
    return batch


class _OrderedTransport:
    """The transport as uvicorn's protocol code sees it: batched frames go out first.

    uvicorn writes pongs, pings, close frames and the handshake itself, and closes the
    transport; each of those first sends what the direct path has batched for this
    socket, so the stream keeps the order the frames were written in.
    """

    __slots__ = ("_owner", "_raw")

    def __init__(self, raw: asyncio.Transport, owner: DirectSocketProtocol) -> None:
        self._raw = raw
        self._owner = owner

    def write(self, data: bytes) -> None:
        self._owner.send_batched()
        self._raw.write(data)

    def close(self) -> None:
        self._owner.send_batched()
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _Inbox(asyncio.Queue[Any]):
    """uvicorn's queue of ASGI messages; it tells the direct socket when the peer is gone.

    Every path that ends a connection (peer's close frame, lost transport, protocol
    error, server shutdown, the app's own close) queues `websocket.disconnect` here.
    """

    def __init__(self, owner: DirectSocketProtocol) -> None:
        super().__init__()
        self._owner = owner

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)
        if item.get("type") == "websocket.disconnect":
            self._owner._gone()


class DirectSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's `websockets-sansio` protocol, plus the direct path (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox(self)
        self._direct = False
        self._ended = False
        self._frames: deque[str | bytes | Admitted] = deque()
        self._handler: FrameHandler | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._partial = b""  # the start of a frame the direct reader has not yet seen whole
        self._raw: Any = None  # uvicorn's transport; `self.transport` wraps it
        self._batch = _turn_batch(self.loop)
        self._out: list[bytes] = []  # frames written this turn, not yet sent
        self._out_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._raw = self.transport
        self.transport = _OrderedTransport(self.transport, self)  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # upgraded (101); the app's task has not started yet
            scope["extensions"][DIRECT_SOCKET] = self

    # The app's side -------------------------------------------------------------------

    def take_over(self) -> None:
        """From now on frames go to `receive_frame`, not to ASGI `receive()`."""
        if self._direct:
            return
        self._direct = True
        while not self.queue.empty():  # anything queued before: keep its order
            message = self.queue.get_nowait()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                self._frames.append(text if text is not None else message.get("bytes") or b"")
        if self.read_paused and len(self._frames) < HIGH_WATER:
            self.read_paused = False
            self._raw.resume_reading()

    def set_frame_handler(self, handler: FrameHandler) -> None:
        """Offer each frame that arrives while the reader waits, nothing queued, to `handler`.

        The handler runs inside the read callback; what it returns (unless None) is
        queued for the reader in the frame's place. Waking the reader task for every
        frame was most of what a relayed frame still cost (docs/benchmarks.md).
        """
        self._handler = handler

    async def receive_frame(self) -> str | bytes | Admitted | None:
        """The next text (str) or binary (bytes) frame; None once the socket is done."""
        frames = self._frames
        while not frames:
            if self._ended:
                return None
            waiter = self._waiter = self.loop.create_future()
            await waiter
        frame = frames.popleft()
        if self.read_paused and len(frames) <= LOW_WATER and not self._ended:
            self.read_paused = False
            self._raw.resume_reading()
        return frame

    async def write_text(self, text: str) -> bool:
        """Write one text frame; False if the socket can no longer take it."""
        if not self.writable.is_set():  # the transport's buffer is full: wait for room
            await self.writable.wait()
        return self._write(text)

    def write_now(self, text: str) -> bool:
        """Write one text frame if the transport has room; False: the caller queues it."""
        return self.writable.is_set() and self._write(text)

    def _write(self, text: str) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or self.conn.state is not State.OPEN
            or self._raw.is_closing()
        ):
            return False
        payload = text.encode()
        frame = frame_header(len(payload)) + payload
        if not self._out:
            self._batch.add(self)
        self._out.append(frame)
        self._out_bytes += len(frame)
        if self._out_bytes >= BATCH_BYTES:
            self.send_batched()  # a burst: the transport's own flow control takes over
        return True

    def send_batched(self) -> None:
        """Send the frames written this turn (one write), unless the socket is gone."""
        out = self._out
        if not out:
            return
        self._out = []
        self._out_bytes = 0
        if not self._raw.is_closing():
            self._raw.write(out[0] if len(out) == 1 else b"".join(out))

    # uvicorn's side ---------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._partial:  # it starts at a frame boundary, wherever the rest goes
            data = self._partial + data
            self._partial = b""
        conn = self.conn
        if (
            not self._direct
            or conn.state is not State.OPEN
            or conn.current_size is not None  # websockets holds part of a fragmented message
            or conn.reader.buffer  # websockets holds part of a frame
            or conn.extensions  # negotiated compression: frames carry extension bits
        ):
            super().data_received(data)
            return
        at, incomplete = self._read_whole_frames(data)
        if at == len(data):
            return
        if incomplete:
            self._partial = data[at:]  # read once the frame has arrived whole
        else:
            super().data_received(data[at:])

    def _read_whole_frames(self, data: bytes) -> tuple[int, bool]:
        """Deliver the common frames from the start of `data`.

        Returns where reading stopped, and whether it stopped at a common frame that has
        not fully arrived (True) or at a frame for `websockets` (False).
        """
        limit = self.conn.max_message_size or 65535
        size = len(data)
        at = 0
        while at < size:
            if size - at < 2:
                return at, True
            first, second = data[at], data[at + 1]
            if (first != _WHOLE_TEXT and first != _WHOLE_BINARY) or not second & _MASKED:
                return at, False  # control, fragment, extension bits or unmasked
            length = second & 0x7F
            start = at + 6
            if length == 126:
                start = at + 8
                if size < start:
                    return at, True
                length = int.from_bytes(data[at + 2 : at + 4], "big")
            elif length == 127:
                return at, False  # over 64 KiB: websockets reads (or refuses) it
            if length > limit:
                return at, False  # websockets closes it 1009
            end = start + length
            if size < end:
                return at, True
            payload = apply_mask(data[start:end], data[start - 4 : start])
            at = end
            if first == _WHOLE_BINARY:
                self._deliver(payload)
                continue
            try:
                text = payload.decode()
            except UnicodeDecodeError:
                self._invalid_text()
                return size, False
            self._deliver(text)
        return at, False

    def send_receive_event_to_app(self) -> None:
        if not self._direct:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return  # past our close frame: read on until the peer's reply, keep nothing
        if self.curr_msg_data_type == "text":
            try:
                frame: str | bytes = data.decode()
            except UnicodeDecodeError:
                self._invalid_text()
                return
        else:
            frame = bytes(data)
        self._deliver(frame)

    def _invalid_text(self) -> None:
        self.conn.send_close(1007)  # invalid UTF-8 in a text frame, as uvicorn does
        self.handle_parser_exception()

    def _deliver(self, frame: str | bytes) -> None:
        item: str | bytes | Admitted | None = frame
        if self._handler is not None and self._waiter is not None and not self._frames:
            item = self._handler(frame)
            if item is None:
                return
        self._frames.append(item)
        self._wake()
        if not self.read_paused and len(self._frames) >= HIGH_WATER:
            self.read_paused = True
            self._raw.pause_reading()

    def _gone(self) -> None:
        self._ended = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
