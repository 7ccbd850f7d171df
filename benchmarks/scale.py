"""How throughput grows with workers: booking and signaling against 1, 2 and 4 workers.

.venv/bin/python -m benchmarks.scale [--workers 1,2,4] [--seconds 15] [--rooms 200]

Booking: `benchmarks/booking.py` (PostgreSQL + Redis, `POST /api/v1/appointments` through
uvicorn with N workers, concurrent patients, one request in ten racing for a taken slot)
is run once per N and its bookings/s and latency are collected.

Signaling: N `python -m signaling` processes share Redis (the same code path as the
platform's workers); `--rooms` rooms of two peers are placed on random workers (with N > 1
most pairs relay across Redis), and each pair bounces a signal back and forth as fast as it
can (closed loop) for `--seconds`. Reported: relayed messages/s and relay latency (send →
receive, one hop). The load generator runs in this process, on the same machine.

Every figure is printed with the 1-minute load average at the time: on a shared machine
the figures move with other people's work. `--json FILE` also writes the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from signaling.tokens import derive_signaling_secret, mint_join_token
from signaling.tools.client import SignalingClient

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TELEHEALTH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET_KEY = "scale-benchmark-secret-key-0123456789-abcdef"
SIGNAL = {"candidate": {"candidate": "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
                        "sdpMid": "0", "sdpMLineIndex": 0}}


def load_average() -> float:
    return os.getloadavg()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Booking ---------------------------------------------------------------------------------

def run_booking(workers: int, seconds: float, clients: int) -> dict[str, Any]:
    load = load_average()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.booking", "--workers", str(workers),
         "--seconds", str(seconds), "--clients", str(clients)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    out = done.stdout
    rate = re.search(r"bookings/s\s+(\d+)", out)
    latency = re.search(r"latency p50/p99\s+([\d.]+) / ([\d.]+) ms", out)
    doubled = re.search(r"double bookings\s+(\d+)", out)
    if not (rate and latency and doubled):
        raise RuntimeError(f"unexpected output of benchmarks.booking:\n{out}")
    return {"workers": workers, "bookings_per_s": int(rate.group(1)),
            "p50_ms": float(latency.group(1)), "p99_ms": float(latency.group(2)),
            "double_bookings": int(doubled.group(1)), "load_before": load,
            "load_after": load_average()}


# Signaling -------------------------------------------------------------------------------

def start_signaling(workers: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    env = {**os.environ, "TELEHEALTH_SECRET_KEY": SECRET_KEY, "TELEHEALTH_STUN_URLS": "[]",
           "TELEHEALTH_REDIS_URL": REDIS_URL,
           "TELEHEALTH_REDIS_PREFIX": f"bench-scale:{secrets.token_hex(4)}:",
           # Closed-loop pairs exceed the 50 msg/s per-socket limit by design; the limiter
           # still runs on every message.
           "TELEHEALTH_RATE_LIMIT_PER_SECOND": "1000000",
           "TELEHEALTH_RATE_LIMIT_BURST": "1000000"}
    procs, urls = [], []
    for _ in range(workers):
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "signaling", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
        urls.append(f"ws://127.0.0.1:{port}/ws/signaling/v1")
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or procs[-1].poll() is not None:
                    raise RuntimeError("signaling worker did not start") from None
                time.sleep(0.1)
    return procs, urls


async def _pair(room: int, urls: list[str], rng: random.Random
                ) -> tuple[SignalingClient, SignalingClient]:
    secret = derive_signaling_secret(SECRET_KEY)
    peers = []
    for role in ("host", "participant"):
        token = mint_join_token(secret, user_id=f"u-{room}-{role}", room=f"bench:{room}",
                                role=role, display_name=role, ttl_seconds=3600)
        client = await SignalingClient.connect(rng.choice(urls))
        await client.hello(token)
        peers.append(client)
    await peers[0].expect("peer-joined", within=30)
    return peers[0], peers[1]


async def _bounce(a: SignalingClient, b: SignalingClient, until: float,
                  latencies: list[float]) -> int:
    relayed = 0
    sender, receiver = a, b
    while time.monotonic() < until:
        sent = time.perf_counter()
        await sender.signal(receiver.peer_id, SIGNAL)
        await receiver.expect("signal", within=30)
        latencies.append((time.perf_counter() - sent) * 1000)
        relayed += 1
        sender, receiver = receiver, sender
    return relayed


async def run_signaling(workers: int, rooms: int, seconds: float) -> dict[str, Any]:
    procs, urls = start_signaling(workers)
    pairs: list[tuple[SignalingClient, SignalingClient]] = []
    try:
        rng = random.Random(workers)
        for start in range(0, rooms, 50):  # join in batches: hundreds of handshakes at once
            pairs += await asyncio.gather(*(_pair(r, urls, rng)
                                            for r in range(start, min(rooms, start + 50))))
        load = load_average()
        latencies: list[float] = []
        until = time.monotonic() + seconds
        began = time.monotonic()
        counts = await asyncio.gather(*(_bounce(a, b, until, latencies) for a, b in pairs))
        elapsed = time.monotonic() - began
        latencies.sort()
        return {"workers": workers, "rooms": rooms, "sockets": rooms * 2,
                "msgs_per_s": round(sum(counts) / elapsed),
                "p50_ms": round(latencies[len(latencies) // 2], 2),
                "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
                "load_before": load, "load_after": load_average()}
    finally:
        for a, b in pairs:
            await a.close()
            await b.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=32, help="booking clients")
    parser.add_argument("--rooms", type=int, default=200, help="signaling rooms (2 peers each)")
    parser.add_argument("--skip", choices=["booking", "signaling"], help="run only the other")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {"booking": [], "signaling": []}
    for workers in (int(w) for w in args.workers.split(",")):
        if args.skip != "booking":
            b = run_booking(workers, args.seconds, args.clients)
            results["booking"].append(b)
            print(f"booking    {workers} worker(s): {b['bookings_per_s']:6d} bookings/s  "
                  f"p50 {b['p50_ms']:.1f} ms  p99 {b['p99_ms']:.1f} ms  double "
                  f"{b['double_bookings']}  (load {b['load_before']:.1f}→{b['load_after']:.1f})",
                  flush=True)
        if args.skip != "signaling":
            s = asyncio.run(run_signaling(workers, args.rooms, args.seconds))
            results["signaling"].append(s)
            print(f"signaling  {workers} worker(s): {s['msgs_per_s']:6d} msg/s  p50 "
                  f"{s['p50_ms']:.2f} ms  p99 {s['p99_ms']:.2f} ms  {s['sockets']} sockets  "
                  f"(load {s['load_before']:.1f}→{s['load_after']:.1f})", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
