"""One client socket: its identity in the room, its ordered outbox and its writer."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

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
        self._put(text)

    def reply(self, message: dict[str, Any]) -> None:
        """An answer to this client's own message: never held back (handshake errors)."""
        if not self.closing:
            self._put(protocol.encode(message))

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
                await self.websocket.send_text(item)
            except Exception:
                # The socket died under us (reset, closed by the client): nothing left to say.
                return
