"""Signaling benchmark: N rooms x 2 peers against real servers on 127.0.0.1.

Targets, each measured under the same load:
  ours-1w   python -m signaling, one worker (in-process bus)
  ours-2w   two python -m signaling processes sharing Redis; `--placement room` (default,
            as in production) puts both peers of a room on the worker its room key picks
            (docs/deploy.md, room affinity), `--placement random` puts each peer on a
            random worker (half the pairs then relay across Redis)
  bare      a bare `websockets` relay (the Python floor: no auth, no rooms, no checks)
  peerjs    the PeerJS server (npm `peer`, installed in benchmarks/peerjs)

Phases per target, all sockets connected first:
  latency     every peer sends one signal a second and one stats every 5 s (open loop);
              relay latency p50/p99 is measured sender→receiver
  throughput  every pair bounces one signal back and forth as fast as it can (closed
              loop, 1 message in flight per pair); relayed messages/s
Server CPU µs per relayed message comes from /proc (both workers + Redis for ours-2w), and
so does the load clients' (benchmarks/wsclient.py: they share the cores with the servers).
Each target's line ends with the machine's busy share and hypervisor steal over its run.
On a virtual machine the figures of one target vary between runs (PeerJS's by ±25 % on
one host): `--rounds 3` runs the targets in turn three times and ends with each target's
ratio to PeerJS in every round and their median.

    .venv/bin/python benchmarks/signaling.py --rooms 1000 --latency-seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing as mp
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import MachineMeter  # noqa: E402
from benchmarks.wsclient import LeanSocket  # noqa: E402
from signaling.affinity import derive_affinity_secret, room_key  # noqa: E402
from signaling.tokens import derive_signaling_secret, mint_join_token  # noqa: E402
from signaling.tools.serve import free_port  # noqa: E402

SECRET_KEY = "bench-secret"
PLACEMENTS = ("room", "random")
CLIENT_PROCESSES = 2
CANDIDATE = "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.5 rport 46154 generation 0 ufrag sXyZ network-cost 999"  # noqa: E501
SAMPLE = {"rtt_ms": 23.5, "jitter_ms": 2.1, "packets_lost": 0, "packets_received": 1500,
          "bitrate_in_kbps": 480, "bitrate_out_kbps": 510, "frames_decoded": 150,
          "frames_dropped": 0, "frame_width": 640, "frame_height": 480, "freeze_count": 0,
          "audio_only": False}


# --- servers -----------------------------------------------------------------------------

def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def redis_pid() -> int | None:
    try:
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "info", "server"],
                             capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":")[1])
    return None


@dataclass
class Target:
    name: str
    kind: str  # "ours" | "bare" | "peerjs"
    urls: list[str] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_pids: list[int] = field(default_factory=list)  # measured, not owned (Redis)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs] + self.extra_pids

    def cpu(self) -> float:
        return sum(proc_cpu_seconds(pid) for pid in self.pids)

    def rss(self) -> int:
        return sum(proc_rss_bytes(p.pid) for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGINT if self.kind == "ours" else signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_port(port: int, proc: subprocess.Popen[bytes], within: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def start_target(name: str) -> Target:
    env = {**os.environ, "TELEHEALTH_SECRET_KEY": SECRET_KEY, "TELEHEALTH_STUN_URLS": "[]",
           # Closed-loop pairs exceed the 50 msg/s per-socket limit by design; the limiter
           # still runs (and costs) on every message.
           "TELEHEALTH_RATE_LIMIT_PER_SECOND": "1000000",
           "TELEHEALTH_RATE_LIMIT_BURST": "1000000"}
    target = Target(name, "ours" if name.startswith("ours") else name)
    workers = 2 if name == "ours-2w" else 1
    if name == "ours-2w":
        env["TELEHEALTH_REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["TELEHEALTH_REDIS_PREFIX"] = f"bench:{secrets.token_hex(4)}:"
        pid = redis_pid()
        if pid:
            target.extra_pids.append(pid)
    for _ in range(workers):
        port = free_port()
        if target.kind == "ours":
            cmd = [sys.executable, "-m", "signaling", "--port", str(port), "--log-level",
                   "warning"]
            url = f"ws://127.0.0.1:{port}/ws/signaling/v1"
        elif target.kind == "bare":
            cmd = [sys.executable, __file__, "--serve-bare", str(port)]
            url = f"ws://127.0.0.1:{port}/"
        else:
            cmd = ["node", str(ROOT / "benchmarks/peerjs/server.js"), str(port)]
            url = f"ws://127.0.0.1:{port}/peerjs"
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        target.procs.append(proc)
        wait_port(port, proc)
        target.urls.append(url)
    return target


async def serve_bare(port: int) -> None:
    """The floor: parse JSON, look the target up in a dict, forward. Nothing else."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    peers: dict[str, ServerConnection] = {}

    async def handler(ws: ServerConnection) -> None:
        peer_id = None
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "hello":
                    peer_id = message["token"]
                    peers[peer_id] = ws
                    await ws.send(json.dumps({"type": "welcome", "peer_id": peer_id}))
                elif message["type"] == "signal":
                    target = peers.get(message["to"])
                    if target is not None:
                        with contextlib.suppress(ConnectionClosed):
                            await target.send(json.dumps(
                                {"type": "signal", "from": peer_id, "data": message["data"]}))
        except ConnectionClosed:
            pass
        finally:
            if peer_id is not None:
                peers.pop(peer_id, None)

    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**16):
        await asyncio.Future()


# --- load clients ------------------------------------------------------------------------

class Peer:
    def __init__(self, kind: str, url: str, room: int, side: str) -> None:
        self.kind, self.url, self.room, self.side = kind, url, room, side
        self.ws: Any = None
        self.lean: LeanSocket | None = None  # the socket's frames once the phases begin
        self.peer_id = ""
        self.other: Peer | None = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        room = f"bench-{self.room}"
        if self.kind == "peerjs":
            self.peer_id = f"r{self.room}{self.side}"
            self.ws = await connect(
                f"{self.url}?key=peerjs&id={self.peer_id}&token={secrets.token_hex(4)}",
                compression=None, open_timeout=30, ping_interval=None)
            assert json.loads(await self.ws.recv())["type"] == "OPEN"
            return
        self.ws = await connect(self.url, compression=None, open_timeout=30, ping_interval=None)
        if self.kind == "bare":
            token = f"r{self.room}{self.side}"
        else:
            token = mint_join_token(derive_signaling_secret(SECRET_KEY), user_id=self.side,
                                    room=room, role="participant", display_name=self.side)
        await self.ws.send(json.dumps({"type": "hello", "token": token}))
        welcome = json.loads(await self.ws.recv())
        self.peer_id = welcome["peer_id"]

    def signal_frame(self, seq: int) -> bytes:
        assert self.other is not None
        data = {"candidate": {"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0,
                              "t": time.monotonic_ns(), "seq": seq}}
        if self.kind == "peerjs":
            return orjson.dumps({"type": "CANDIDATE", "dst": self.other.peer_id, "payload": data})
        return orjson.dumps({"type": "signal", "to": self.other.peer_id, "data": data})

    def stats_frame(self) -> bytes:
        if self.kind == "peerjs":
            return orjson.dumps({"type": "HEARTBEAT"})  # PeerJS has no quality channel
        return orjson.dumps({"type": "stats", "sample": SAMPLE})

    @staticmethod
    def payload(message: dict[str, Any]) -> dict[str, Any] | None:
        if message.get("type") == "signal":
            return message["data"]["candidate"]  # type: ignore[no-any-return]
        if message.get("type") == "CANDIDATE":
            return message["payload"]["candidate"]  # type: ignore[no-any-return]
        return None


def room_worker(urls: list[str], room: int) -> str:
    """The worker a room's key picks, as nginx's `hash` does (CRC32 of the key, modulo)."""
    key = room_key(derive_affinity_secret(SECRET_KEY), f"bench-{room}")
    return urls[zlib.crc32(key.encode()) % len(urls)]


async def client_main(kind: str, urls: list[str], rooms: list[int], seed: int, conn: Any,
                      latency_seconds: float, throughput_seconds: float,
                      placement: str) -> None:
    rng = random.Random(seed)
    pairs = []
    for room in rooms:
        if placement == "room":
            url_a = url_b = room_worker(urls, room)
        else:
            url_a, url_b = rng.choice(urls), rng.choice(urls)
        a = Peer(kind, url_a, room, "a")
        b = Peer(kind, url_b, room, "b")
        a.other, b.other = b, a
        pairs.append((a, b))
    sem = asyncio.Semaphore(50)

    async def connect(peer: Peer) -> None:
        async with sem:
            await peer.connect()

    for a, _ in pairs:  # a first, so b is the newcomer, like a real call
        await connect(a)
    await asyncio.gather(*(connect(b) for _, b in pairs))
    peers = [p for pair in pairs for p in pair]
    latencies: list[int] = []
    mode: dict[str, Any] = {"phase": "latency", "count": 0}

    def reader(peer: Peer) -> Callable[[bytes], None]:
        def on_text(raw: bytes) -> None:
            data = Peer.payload(orjson.loads(raw))
            if data is None:
                return
            if mode["phase"] == "latency":
                latencies.append(time.monotonic_ns() - data["t"])
            mode["count"] += 1
            if mode["phase"] == "throughput":
                assert peer.lean is not None
                peer.lean.send_text(peer.signal_frame(data["seq"] + 1))

        return on_text

    await asyncio.sleep(0.5)  # what the servers sent on joining has arrived: between frames
    for peer in peers:  # the instrument's own cost per frame stays small (benchmarks/wsclient)
        peer.lean = LeanSocket(peer.ws, reader(peer))
    # The load generator is an instrument: keep its own GC pauses out of the latencies.
    gc.collect()
    gc.freeze()
    gc.disable()
    conn.send("ready")
    conn.recv()  # go

    async def open_loop(peer: Peer) -> None:
        await asyncio.sleep(rng.random())
        deadline = time.monotonic() + latency_seconds
        seq = 0
        assert peer.lean is not None
        while time.monotonic() < deadline:
            peer.lean.send_text(peer.signal_frame(seq))
            seq += 1
            if seq % 5 == 0:
                peer.lean.send_text(peer.stats_frame())
            await asyncio.sleep(1.0)

    await asyncio.gather(*(open_loop(p) for p in peers))
    await asyncio.sleep(0.5)  # let the last ones land
    conn.send(("latency", latencies, mode["count"]))
    conn.recv()  # go throughput
    mode["phase"], mode["count"] = "throughput", 0
    for a, _ in pairs:
        assert a.lean is not None
        a.lean.send_text(a.signal_frame(0))
    await asyncio.sleep(throughput_seconds)
    count = mode["count"]
    mode["phase"] = "done"
    conn.send(("throughput", count))
    for peer in peers:
        assert peer.lean is not None
        peer.lean.close()


def client_process(kind: str, urls: list[str], rooms: list[int], seed: int, conn: Any,
                   latency_seconds: float, throughput_seconds: float, placement: str) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(client_main(kind, urls, rooms, seed, conn, latency_seconds, throughput_seconds,
                            placement))


# --- driver ------------------------------------------------------------------------------

def pct(values: list[int], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6


def run_target(name: str, args: argparse.Namespace) -> dict[str, Any]:
    target = start_target(name)
    ctx = mp.get_context("spawn")
    try:
        time.sleep(0.5)
        rss0 = target.rss()
        rooms = list(range(args.rooms))
        links, procs = [], []
        for i in range(CLIENT_PROCESSES):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_process, args=(
                target.kind, target.urls, rooms[i::CLIENT_PROCESSES], 1000 + i, child,
                args.latency_seconds, args.throughput_seconds, args.placement), daemon=True)
            proc.start()
            links.append(parent)
            procs.append(proc)
        for link in links:
            if not link.poll(180):
                raise TimeoutError("clients did not connect in time")
            assert link.recv() == "ready"
        sockets = args.rooms * 2
        rss1 = target.rss()
        cpu0 = target.cpu()
        for link in links:
            link.send("go")
        latencies: list[int] = []
        latency_msgs = 0
        for link in links:
            if not link.poll(args.latency_seconds + 120):
                raise TimeoutError("latency phase did not finish")
            _, values, count = link.recv()
            latencies += values
            latency_msgs += count
        cpu1 = target.cpu()
        # The load clients share the cores with the server(s): their CPU is reported too.
        clients = [proc.pid for proc in procs if proc.pid]
        clients_cpu1 = sum(proc_cpu_seconds(pid) for pid in clients)
        with MachineMeter() as machine:
            for link in links:
                link.send("go")
            relayed = 0
            for link in links:
                if not link.poll(args.throughput_seconds + 120):
                    raise TimeoutError("throughput phase did not finish")
                relayed += link.recv()[1]
            cpu2 = target.cpu()
            clients_cpu2 = sum(proc_cpu_seconds(pid) for pid in clients)
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        # Stats frames cost CPU too but are not relayed: count every frame the server read.
        inbound_latency = latency_msgs * 1.2
        return {
            "target": name, "sockets": sockets,
            "p50_ms": pct(latencies, 0.50), "p99_ms": pct(latencies, 0.99),
            "max_ms": pct(latencies, 1.0), "latency_samples": len(latencies),
            "latency_cpu_us_per_msg": (cpu1 - cpu0) * 1e6 / max(1.0, inbound_latency),
            "msgs_per_s": relayed / args.throughput_seconds,
            "cpu_us_per_msg": (cpu2 - cpu1) * 1e6 / max(1, relayed),
            "clients_cpu_us_per_msg": (clients_cpu2 - clients_cpu1) * 1e6 / max(1, relayed),
            "throughput_busy_share": machine.busy_share,
            "rss_per_conn_kib": (rss1 - rss0) / sockets / 1024,
        }
    finally:
        target.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--targets", default="ours-1w,ours-2w,bare,peerjs")
    parser.add_argument("--placement", choices=PLACEMENTS, default="room",
                        help="ours-2w: both peers of a room on the worker its room key picks "
                             "(production), or each peer on a random worker")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the targets this many times in turn and end with each "
                             "target's per-round ratios to PeerJS and their median (the "
                             "anchor itself varies between runs on a virtual machine)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        asyncio.run(serve_bare(args.serve_bare))
        return
    names = [n for n in args.targets.split(",") if n]
    if "peerjs" in names and not (ROOT / "benchmarks/peerjs/node_modules/peer").exists():
        sys.exit("PeerJS missing: (cd benchmarks/peerjs && npm ci)")
    if "peerjs" in names and shutil.which("node") is None:
        sys.exit("node is required for the PeerJS anchor")
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    rounds = []
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"== round {number} of {args.rounds}", flush=True)
        rounds.append(run_round(names, args))
    if args.rounds > 1 and "peerjs" in names:
        print(f"== {args.rounds} rounds: each target's ratio to PeerJS in the same round")
        for name in names:
            if name == "peerjs":
                continue
            ratios = [r[name]["msgs_per_s"] / r["peerjs"]["msgs_per_s"] for r in rounds]
            rates = [r[name]["msgs_per_s"] for r in rounds]
            print(f"{name} / peerjs: throughput median {statistics.median(ratios):.2f}x "
                  f"(rounds: {', '.join(f'{x:.2f}x' for x in ratios)}; "
                  f"{name} {min(rates):.0f}-{max(rates):.0f} msg/s)")
        anchor = [r["peerjs"]["msgs_per_s"] for r in rounds]
        print(f"peerjs: {min(anchor):.0f}-{max(anchor):.0f} msg/s")
    if args.json:
        Path(args.json).write_text(json.dumps(rounds[0] if args.rounds == 1 else rounds, indent=2))


def run_round(names: list[str], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every target once, in order; prints each target's figures and the ratios to PeerJS."""
    results = {}
    for name in names:
        placed = f", placement {args.placement}" if name == "ours-2w" else ""
        print(f"-- {name}: {args.rooms} rooms, {args.rooms * 2} sockets{placed}", flush=True)
        with MachineMeter() as machine:
            results[name] = run_target(name, args)
        r = results[name]
        if name == "ours-2w":
            r["placement"] = args.placement
        r["busy_share"], r["steal_share"] = machine.busy_share, machine.steal_share
        print(f"   relay p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  max "
              f"{r['max_ms']:.1f} ms ({r['latency_samples']} samples, "
              f"{r['latency_cpu_us_per_msg']:.0f} µs CPU/msg at 1 msg/s/peer)", flush=True)
        print(f"   throughput {r['msgs_per_s']:.0f} msg/s, {r['cpu_us_per_msg']:.1f} µs server "
              f"CPU/msg, {r['rss_per_conn_kib']:.1f} KiB RSS/connection", flush=True)
        print(f"   throughput phase: load clients {r['clients_cpu_us_per_msg']:.1f} µs CPU/msg, "
              f"machine busy {100 * r['throughput_busy_share']:.0f} %", flush=True)
        print(f"   {machine.summary()}", flush=True)
    if "peerjs" in results:
        base = results["peerjs"]
        for name, r in results.items():
            if name != "peerjs":
                print(f"{name} / peerjs: throughput {r['msgs_per_s'] / base['msgs_per_s']:.2f}x, "
                      f"CPU per msg {r['cpu_us_per_msg'] / base['cpu_us_per_msg']:.2f}x")
    return results


if __name__ == "__main__":
    main()
