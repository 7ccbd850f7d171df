"""`python -m signaling [--host H] [--port P]`: run the standalone signaling service."""

from __future__ import annotations

import argparse
import gc
import importlib.util

import uvicorn

from signaling.app import create_app


def uvicorn_options() -> dict[str, object]:
    """The uvicorn settings the signaling socket needs, also for the platform's server.

    permessage-deflate is off: signaling frames are small JSON and compressing
    them doubled relay latency here. uvloop is used when installed, and uvicorn's
    sans-I/O websockets protocol with our direct path for the signaling socket
    (signaling.directsocket) when the installed uvicorn has that protocol.
    """
    options: dict[str, object] = {
        "ws_per_message_deflate": False,
        # Our own check answers `too_large` and closes 1009; keep uvicorn's cap above it.
        "ws_max_size": 1024 * 1024,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        "lifespan": "on",
    }
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    if "websockets-sansio" in uvicorn.config.WS_PROTOCOLS:
        options["ws"] = "signaling.directsocket:DirectSocketProtocol"
    return options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m signaling", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    # Thousands of long-lived sockets make every full collection a pause of tens of ms
    # (relay p99 went from ~5 to ~150 ms at 2,000 sockets): collect young objects
    # less often and old ones rarely.
    gc.set_threshold(50_000, 50, 1000)
    app = create_app()
    # What exists now (modules, classes, the app) lives as long as the process: out of the
    # collector's sight, a full collection walks only the objects of live sockets.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        **uvicorn_options(),  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
