"""SignalingClient: speaks signaling v1 over a real WebSocket (tests, probes, the aiortc peer)."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class UnexpectedMessage(AssertionError):
    pass


class SignalingClient:
    """A thin client: send dicts, receive dicts, wait for a given type or for the close.

    `expect` skips the message types listed in `skip` (e.g. ping answers) and
    fails on anything else, so a test notices a message it did not plan for.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] | None = None

    @classmethod
    async def connect(cls, url: str, *, open_timeout: float = 5.0) -> SignalingClient:
        # No compression: the service refuses permessage-deflate anyway (latency).
        ws = await connect(url, compression=None, open_timeout=open_timeout, max_size=2**20)
        return cls(ws)

    async def __aenter__(self) -> SignalingClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def peer_id(self) -> str:
        assert self.welcome is not None, "not joined"
        return str(self.welcome["peer_id"])

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def recv(self, within: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            raw = await self.ws.recv()
        message = json.loads(raw)
        assert isinstance(message, dict)
        return message

    async def expect(
        self, kind: str, within: float = 5.0, skip: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message = await self.recv(within)
                if message.get("type") == kind:
                    return message
                if message.get("type") not in skip:
                    raise UnexpectedMessage(f"expected {kind}, got {message}")

    async def hello(self, token: str, resume: str | None = None, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "hello", "token": token, **extra}
        if resume is not None:
            message["resume"] = resume
        await self.send(message)
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def signal(self, to: str, data: dict[str, Any], msg_id: str | None = None) -> None:
        message: dict[str, Any] = {"type": "signal", "to": to, "data": data}
        if msg_id is not None:
            message["id"] = msg_id
        await self.send(message)

    async def closed(self, within: float = 5.0) -> tuple[int | None, str]:
        """Read (and drop) everything until the server closes; return (code, reason)."""
        try:
            async with asyncio.timeout(within):
                async for _ in self.ws:
                    pass
        except ConnectionClosed:
            pass
        return self.ws.close_code, self.ws.close_reason or ""

    async def close(self) -> None:
        await self.ws.close()
