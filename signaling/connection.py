"""One client socket: its identity in the room, its ordered outbox and its writer."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.websockets import WebSocket

from signaling import protocol
from signaling.ratelimit import TokenBucket
from signaling.tokens import JoinGrant

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _CloseFrame:
    code: int
    reason: str


_GONE = object()  # the peer already disconnected: stop writing, send no close frame

# The ASGI extension under which signaling.directsocket offers its direct path.
DIRECT_SOCKET = "vtelehealth.direct_socket"


@dataclass(frozen=True, slots=True)
class Admitted:
    """A client message the frame handler took in (checked, parsed) for the reader to run."""

    message: Any


# Takes a frame as it arrives: None when it has dealt with it, else what the reader gets.
FrameHandler = Callable[[str | bytes], "Admitted | str | bytes | None"]


class FrameSocket(Protocol):
    """Frames in and out of one accepted socket; closing stays with the WebSocket."""

    async def receive_frame(self) -> str | bytes | Admitted | None:
        """The next text (str) or binary (bytes) frame; None once the peer is gone."""

    def set_frame_handler(self, handler: FrameHandler) -> None:
        """Offer each frame that arrives while the reader waits to `handler` first."""

    async def write_text(self, text: str) -> bool:
        """Send one text frame; False if the socket can no longer take it."""

    def write_now(self, text: str) -> bool:
        """Send one text frame if that needs no waiting; False: queue it for the writer."""


class AsgiFrames:
    """`FrameSocket` over Starlette's WebSocket: works under any ASGI server."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def receive_frame(self) -> str | bytes | Admitted | None:
        event = await self._websocket.receive()
        if event["type"] == "websocket.disconnect":
            return None
        text = event.get("text")
        return text if text is not None else event.get("bytes") or b""

    async def write_text(self, text: str) -> bool:
        await self._websocket.send_text(text)
        return True

    def write_now(self, text: str) -> bool:
        return False  # ASGI's send is a coroutine: every frame goes through the writer

    def set_frame_handler(self, handler: FrameHandler) -> None:
        pass  # frames arrive only through receive(): the reader takes each one


def frames_of(websocket: WebSocket) -> FrameSocket:
    """The accepted socket's direct path when the server offers it, else ASGI messages."""
    direct = websocket.scope.get("extensions", {}).get(DIRECT_SOCKET)
    if direct is None:
        return AsgiFrames(websocket)
    direct.take_over()
    return direct  # type: ignore[no-any-return]


@dataclass(eq=False)
class Connection:
    """Messages reach the socket only through the outbox, in order, from one writer.

    Until `welcome` has gone out, messages for this socket (another worker may
    already address it) wait in `_early`, so `welcome` is always first.

    The outbox is a deque plus one wake-up future, not an asyncio.Queue: with one
    consumer and producers that never wait, the Queue's getter bookkeeping was 12 % of a
    worker's CPU samples while relaying (docs/benchmarks.md).
    """

    websocket: WebSocket
    frames: FrameSocket
    bucket: TokenBucket
    max_outbound: int
    last_seen: float
    conn_id: str = field(default_factory=lambda: secrets.token_hex(8))
    grant: JoinGrant | None = None
    peer_id: str | None = None
    welcomed: bool = False
    # True once the room no longer counts this socket (left, replaced, ended, denied…).
    departed: bool = False
    closing: bool = False
    _outbox: deque[Any] = field(default_factory=deque)
    _wakeup: asyncio.Future[None] | None = None  # set while the writer waits for a frame
    _busy: bool = False  # the writer holds a frame it has taken from the outbox
    _early: list[str] = field(default_factory=list)

    @property
    def room(self) -> str | None:
        return self.grant.room if self.grant else None

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(protocol.encode(message))

    def send_text(self, text: str) -> None:
        if self.closing:
            return
        if not self.welcomed:
            self._early.append(text)
            return
        if len(self._outbox) >= self.max_outbound:
            log.warning("closing slow socket %s: %d frames queued", self.conn_id, self.max_outbound)
            self.close(protocol.CLOSE_TRY_AGAIN_LATER, "slow consumer")
            return
        self._put_text(text)

    def reply(self, message: dict[str, Any]) -> None:
        """An answer to this client's own message: never held back (handshake errors)."""
        if not self.closing:
            self._put_text(protocol.encode(message))

    def _put_text(self, text: str) -> None:
        # With nothing queued or in the writer's hands, a frame the socket takes at once is
        # written here: no wake-up of the writer task per relayed frame (the direct path).
        if not self._outbox and not self._busy and self.frames.write_now(text):
            return
        self._put(text)

    def send_welcome(self, message: dict[str, Any], follow_up: tuple[dict[str, Any], ...]) -> None:
        self.welcomed = True
        self.send(message)
        for item in follow_up:
            self.send(item)
        early, self._early = self._early, []
        for text in early:
            self.send_text(text)

    def close(self, code: int, reason: str = "") -> None:
        """Close after everything already queued has been written."""
        if self.closing:
            return
        self.closing = True
        self._put(_CloseFrame(code, reason))

    def gone(self) -> None:
        self.closing = True
        self._put(_GONE)

    def _put(self, item: Any) -> None:
        self._outbox.append(item)
        waiter = self._wakeup
        if waiter is not None:
            self._wakeup = None
            if not waiter.done():
                waiter.set_result(None)

    async def write_loop(self) -> None:
        outbox = self._outbox
        while True:
            if not outbox:
                waiter = self._wakeup = asyncio.get_running_loop().create_future()
                await waiter
                continue
            item = outbox.popleft()
            if item is _GONE:
                return
            try:
                if isinstance(item, _CloseFrame):
                    await self.websocket.close(item.code, item.reason)
                    return
                self._busy = True
                try:
                    written = await self.frames.write_text(item)
                finally:
                    self._busy = False
                if not written:
                    return
            except Exception:
                # The socket died under us (reset, closed by the client): nothing left to say.
                return
