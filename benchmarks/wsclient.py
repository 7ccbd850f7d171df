"""A lean websocket client side for load generators: frames written and read in a few lines.

A load generator is an instrument: what it spends per message is CPU the servers under test
do not get when both share the machine. The `websockets` client costs ~100 µs of CPU per
message sent and received (a coroutine, a lock and a fresh mask per frame on the way out;
its frame parser, an assembler and a task wake-up on the way in), which on the 2-core project
machine was two thirds of all CPU in the signaling benchmark's throughput phase
(docs/benchmarks.md). The benchmarks still open each socket and run its handshake with
`websockets`, then write frames built by `signaling.tools.frames` and read them here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from signaling.tools.frames import PING, PONG, TEXT, client_frame


class LeanSocket(asyncio.Protocol):
    """Takes over an open `websockets` client connection's transport.

    Text frames from the server go to `on_text` (bytes, whole: servers here never fragment);
    pings are answered; anything else is ignored. Open the connection with
    `ping_interval=None`: the library no longer sees the socket's frames, so its own pings
    would go unanswered.
    """

    def __init__(self, connection: Any, on_text: Callable[[bytes], None]) -> None:
        if connection.protocol.reader.buffer:
            raise RuntimeError("take over a socket only between frames")
        self._transport: asyncio.Transport = connection.transport
        self._on_text = on_text
        self._partial = b""
        self._turn = 0
        self._transport.set_protocol(self)

    def send_text(self, text: str | bytes) -> None:
        payload = text.encode() if isinstance(text, str) else text
        self._transport.write(client_frame(payload, TEXT, turn=self._turn))
        self._turn += 1

    def close(self) -> None:
        self._transport.close()

    def data_received(self, data: bytes) -> None:
        if self._partial:
            data = self._partial + data
        size = len(data)
        at = 0
        while size - at >= 2:
            first, length = data[at], data[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                start = at + 4
                if size < start:
                    break
                length = int.from_bytes(data[at + 2 : start], "big")
            elif length == 127:
                start = at + 10
                if size < start:
                    break
                length = int.from_bytes(data[at + 2 : start], "big")
            end = start + length
            if size < end:
                break
            if not first & 0x80:
                raise RuntimeError("a fragmented server frame: not expected here")
            opcode = first & 0x0F
            if opcode == TEXT:
                self._on_text(data[start:end])
            elif opcode == PING:
                self._transport.write(client_frame(data[start:end], PONG, turn=self._turn))
            at = end
        self._partial = data[at:]

    def connection_lost(self, exc: Exception | None) -> None:
        self._partial = b""
