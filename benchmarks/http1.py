"""A lean HTTP/1.1 keep-alive client for load generators.

The load generator shares the machine with the server it measures: httpx spent about 1.1 ms
of CPU per request here (28 % of a core at 250 requests/s), CPU the server then lacks. This
client writes a prebuilt request and reads the status line, the headers and a
Content-Length body over one persistent connection, and nothing else: no redirects, no
chunked bodies, no TLS. It is for benchmarks against our own server only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any


class HTTPError(RuntimeError):
    pass


class Connection:
    """One keep-alive connection; requests on it are sequential.

    Servers close idle keep-alive connections (uvicorn after 5 s): one idle longer than
    `idle_reopen` seconds is reopened before a request rather than written to and lost."""

    def __init__(self, host: str, port: int, idle_reopen: float = 4.0) -> None:
        self.host, self.port = host, port
        self.idle_reopen = idle_reopen
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        if body is not None:
            lines.append("content-type: application/json")
        lines.append(f"content-length: {len(payload)}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        if self._writer is not None and time.monotonic() - self._last_used > self.idle_reopen:
            await self.close()
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(raw)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = 0
        keep_alive = True
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                raise HTTPError("chunked responses are not supported by this client")
            elif name == "connection" and value.strip().lower() == "close":
                keep_alive = False
        content = await self._reader.readexactly(length) if length else b""
        self._last_used = time.monotonic()
        if not keep_alive:
            await self.close()
        return status, content

    async def json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, content = await self.request(method, path, **kwargs)
        return status, json.loads(content) if content else None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
