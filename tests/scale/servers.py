"""Real processes for the scale and fault tests: `telehealth serve` / `worker`, Redis and
PostgreSQL instances of our own. Every process is stopped in `finally`, with timeouts."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.scale.databases import ROOT, telehealth_env

SECRET_KEY = "scale-test-secret-key-0123456789-abcdefghij"
METRICS_TOKEN = "scale-test-metrics-token"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_until(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready within {timeout} s")
        time.sleep(0.1)


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/signaling/v1"


def platform_env(database_url: str, redis_url: str, redis_prefix: str, **extra: str
                 ) -> dict[str, str]:
    return telehealth_env(
        TELEHEALTH_ENVIRONMENT="test",
        TELEHEALTH_SECRET_KEY=SECRET_KEY,
        TELEHEALTH_DATABASE_URL=database_url,
        TELEHEALTH_REDIS_URL=redis_url,
        TELEHEALTH_REDIS_PREFIX=redis_prefix,
        TELEHEALTH_METRICS_TOKEN=METRICS_TOKEN,
        TELEHEALTH_LOG_FORMAT="json",
        TELEHEALTH_STUN_URLS="[]",  # loopback only: never ask the Internet
        TELEHEALTH_RUN_BACKGROUND_TASKS="false",
        **extra,
    )


@contextmanager
def serve(env: dict[str, str], log_dir: Path, *, workers: int = 1,
          port: int | None = None) -> Iterator[Server]:
    """`telehealth serve` on a free port; stopped (SIGTERM, then SIGKILL) at exit."""
    port = port or free_port()
    log = log_dir / f"serve-{port}.log"
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "telehealth", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers), "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=sink, stderr=sink,
        )
    server = Server(proc, port, log)
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            return httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200
        wait_until(up, f"telehealth serve on {port}", timeout=60)
        yield server
    finally:
        stop(proc)


def run_worker_once(env: dict[str, str], log_dir: Path) -> None:
    """`telehealth worker --once`: every periodic job once, as the delivery worker runs them."""
    with (log_dir / "worker.log").open("ab") as sink:
        subprocess.run([sys.executable, "-m", "telehealth", "worker", "--once"], cwd=ROOT,
                       env=env, stdout=sink, stderr=sink, check=True, timeout=120)


@dataclass
class OwnRedis:
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        wait_until(up, "redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=10)
            self.proc = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is needed for the fault tests (apt-get install redis)")
    redis = OwnRedis(free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root; the packaged cluster's owner does it.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class OwnPostgres:
    port: int
    data: Path
    log: Path

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                                     "-l", str(self.log), *args]),
                       check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self.pg_ctl("-w", "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
                    "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-w", "-m", mode, "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A throwaway PostgreSQL 15 cluster in a temporary directory, trust auth on loopback."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 server binaries are needed in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="vt-pg-"))
    os.chmod(root, 0o777)  # the postgres user writes its cluster and log here
    pg = OwnPostgres(free_port(), root / "data", root / "server.log")
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(pg.data), "-U", "postgres",
                                 "--auth=trust", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True, timeout=120)
    try:
        pg.start()
        yield pg
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # the test stopped it
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
