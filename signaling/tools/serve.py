"""Run a signaling server for tests and benchmarks: in this process, or as a subprocess."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp

from signaling import PROTOCOL_PATH
from signaling.__main__ import uvicorn_options


@asynccontextmanager
async def serve_in_process(
    app: ASGIApp, host: str = "127.0.0.1", *, ws: str | None = None
) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free port of this event loop; yield the signaling URL.

    `ws` replaces the websocket protocol of `uvicorn_options()` (tests of the ASGI path)."""
    options = {k: v for k, v in uvicorn_options().items() if k != "loop"}
    if ws is not None:
        options["ws"] = ws
    config = uvicorn.Config(app, host=host, port=0, log_level="warning", **options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before starting")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"ws://{host}:{port}{PROTOCOL_PATH}"
    finally:
        server.should_exit = True
        await task


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def spawn_server(
    env: dict[str, str], *, host: str = "127.0.0.1", port: int | None = None,
    startup_timeout: float = 15.0,
) -> Iterator[str]:
    """`python -m signaling` in a subprocess with extra environment; yield its URL."""
    port = port or free_port(host)
    proc = subprocess.Popen(
        [sys.executable, "-m", "signaling", "--host", host, "--port", str(port),
         "--log-level", "warning"],
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"signaling server exited with {proc.returncode}")
            try:
                if httpx.get(f"http://{host}:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("signaling server did not start")
            time.sleep(0.1)
        yield f"ws://{host}:{port}{PROTOCOL_PATH}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
