"""Booking throughput through the real HTTP stack on PostgreSQL, against a raw-INSERT floor.

.venv/bin/python -m benchmarks.booking [--seconds 20] [--clients 32] [--workers 2] [--rate 300]

Creates a fresh PostgreSQL database (dropped at the end), starts uvicorn with several
workers and TELEHEALTH_REDIS_URL set (as `telehealth serve --workers N` does), and drives
`POST /api/v1/appointments` with concurrent clients, each logged in as its own patient, for a
fixed time. About one request in ten deliberately retries a slot that another client has just
taken, so the 409 path and the unique index are exercised under load. It prints bookings/s,
p50/p99 latency and the number of double bookings (slots with more than one live booking,
which must be 0), then the same booking as one raw SQL INSERT through asyncpg, and the ratio.

Two HTTP runs: closed loop (each client books again as soon as it has an answer: the most
the stack can do, and with 32 clients the latency is mostly the queue, by Little's law
32 / throughput), then paced at `--rate` bookings/s on one schedule, each request sent on
whichever of the same connections is idle (open loop, latency counted from each request's
due time): the latency a patient sees at that load. Both runs print the CPU per request of
the app, PostgreSQL and the load generator itself, and how the app's CPU and the
connections split between the workers. The load generator is a lean HTTP/1.1 client
(benchmarks/http1.py) so that it takes as little as possible of the CPU it shares with the
server.

PostgreSQL comes from TELEHEALTH_BENCH_PG_DSN (default postgresql://postgres@127.0.0.1:5432/
postgres) and Redis from TELEHEALTH_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import telehealth.models  # noqa: F401  (the metadata must be complete before create_all)
from benchmarks.http1 import Connection
from benchmarks.machine import MachineMeter
from telehealth.accounts.security import hash_password
from telehealth.ids import new_id
from telehealth.patients.terms import TERMS_VERSION

ADMIN_DSN = os.environ.get(
    "TELEHEALTH_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TELEHEALTH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "benchmark-password"
SLOT_MINUTES = 5
RETAKE_EVERY = 10  # every 10th request races for a slot just handed to another client
ROOT = Path(__file__).resolve().parent.parent


def _dsn(dbname: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + dbname


async def create_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    engine = create_async_engine(_dsn(name).replace("postgresql://", "postgresql+asyncpg://", 1))
    async with engine.begin() as c:
        await c.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def seed(dsn: str, *, patients: int, slots: int, start: datetime) -> dict[str, object]:
    """A facility with two bookable doctors, `slots` future slots each, and patients."""
    conn = await asyncpg.connect(dsn)
    now = datetime.now(UTC).replace(tzinfo=None)
    pw_hash = hash_password(PASSWORD)
    facility_id = new_id()
    await conn.execute(
        "INSERT INTO province (code, name, name_en) VALUES ('08', 'Tuyên Quang', 'Tuyen Quang')"
    )
    await conn.execute(
        "INSERT INTO facility (id, code, name, level, province_code, address, is_active, "
        "booking_horizon_days, booking_min_notice_minutes, cancel_min_notice_minutes, "
        "sla_emergency_minutes, sla_urgent_minutes, sla_routine_minutes, created_at) "
        "VALUES ($1, '08001', 'Bệnh viện Đa khoa tỉnh Tuyên Quang', 'provincial', '08', '', true, "
        "365, 0, 120, 15, 120, 1440, $2)",
        facility_id,
        now,
    )
    practitioners = []
    for n in range(2):
        user_id, practitioner_id = new_id(), new_id()
        await conn.execute(
            'INSERT INTO "user" (id, username, full_name, password_hash, role, facility_id, '
            "locale, is_active, created_at) "
            "VALUES ($1, $2, $3, $4, 'clinician', $5, 'vi', true, $6)",
            user_id,
            f"bs{n}",
            f"Bác sĩ {n}",
            pw_hash,
            facility_id,
            now,
        )
        await conn.execute(
            "INSERT INTO practitioner (id, user_id, facility_id, practice_certificate_number, "
            "practice_scope, title, accepts_online_booking, is_active, created_at) "
            "VALUES ($1, $2, $3, $4, '', 'BS', true, true, $5)",
            practitioner_id,
            user_id,
            facility_id,
            f"CCHN-{n}",
            now,
        )
        practitioners.append(practitioner_id)
    # Each doctor's slots follow one another; one doctor's slot at a time per "lane" keeps
    # a patient's bookings from overlapping (the overlap rule would refuse them).
    slot_rows = []
    for i in range(slots):
        p = practitioners[i % 2]
        begin = start + timedelta(minutes=SLOT_MINUTES * i)
        slot_rows.append(
            (new_id(), p, facility_id, begin, begin + timedelta(minutes=SLOT_MINUTES), "both")
        )
    await conn.copy_records_to_table(
        "slot",
        records=slot_rows,
        columns=["id", "practitioner_id", "facility_id", "start_at", "end_at", "mode"],
    )
    users = []
    for n in range(patients):
        user_id, patient_id = new_id(), new_id()
        username = f"09{n:08d}"
        await conn.execute(
            'INSERT INTO "user" (id, username, full_name, password_hash, role, locale, is_active, '
            "created_at) VALUES ($1, $2, $3, $4, 'patient', 'vi', true, $5)",
            user_id,
            username,
            f"Bệnh nhân {n}",
            pw_hash,
            now,
        )
        await conn.execute(
            "INSERT INTO patient (id, user_id, national_id, full_name, date_of_birth, sex, "
            "address, created_at) VALUES ($1, $2, $3, $4, $5, 'male', '', $6)",
            patient_id,
            user_id,
            f"0080900{n:05d}",
            f"Bệnh nhân {n}",
            date(1990, 1, 1),
            now,
        )
        for kind in ("telemedicine", "data_processing"):
            await conn.execute(
                "INSERT INTO consent (id, patient_id, kind, terms_version, method, granted_at) "
                "VALUES ($1, $2, $3, $4, 'online', $5)",
                new_id(),
                patient_id,
                kind,
                TERMS_VERSION,
                now,
            )
        users.append((username, user_id, patient_id))
    await conn.close()
    return {
        "facility_id": facility_id,
        "slots": [r[0] for r in slot_rows],
        "users": users,
        "rows": slot_rows,
    }


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found.extend(_descendants(int(child)))
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds spent by the server's processes and by PostgreSQL (all its backends, this
    database's and the server's own housekeeping) between start() and stop()."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def _read(self) -> tuple[dict[int, float], dict[int, float]]:
        app = {pid: _cpu_seconds(pid) for pid in _descendants(self.server_pid)}
        return app, {pid: _cpu_seconds(pid) for pid in _postgres_pids()}

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> tuple[float, float]:
        after = self._read()
        per_process = sorted(
            (t - self.before[0].get(pid, 0.0) for pid, t in after[0].items()), reverse=True
        )
        app = sum(per_process)
        self.split = [round(100 * t / app) for t in per_process if app and t / app >= 0.05]
        # A backend that ended during the window is missed: the pool keeps them open.
        db = sum(t - self.before[1].get(pid, 0.0) for pid, t in after[1].items())
        return app, db


def connections_per_worker(server_pid: int, port: int) -> list[int]:
    """How many established connections to `port` each server process holds (a uvicorn
    worker keeps a keep-alive connection for its whole life), busiest first."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED
                inodes.add(fields[9])
    counts = []
    for pid in _descendants(server_pid):
        held = 0
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        if held:
            counts.append(held)
    return sorted(counts, reverse=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(dsn: str, port: int, workers: int, redis_prefix: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        TELEHEALTH_ENVIRONMENT="production",
        TELEHEALTH_SECRET_KEY=secrets.token_urlsafe(48),
        TELEHEALTH_DATABASE_URL=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        TELEHEALTH_REDIS_URL=REDIS_URL,
        TELEHEALTH_REDIS_PREFIX=redis_prefix,
        # Periodic jobs run in `telehealth worker` in production; keep them out of the measure.
        TELEHEALTH_RUN_BACKGROUND_TASKS="false",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "telehealth.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )


async def wait_ready(base: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def drive_http(
    base: str,
    users: list[tuple[str, object, object]],
    slots: list[uuid.UUID],
    seconds: float,
    warmup: float,
    rate: float | None = None,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """Closed loop (each client sends its next request when the last one answers) or, with
    `rate`, open loop: requests are due at fixed times and go out on any idle connection, and
    latency is counted from the time a request was due, so a slow answer is not hidden by the
    client waiting for it (no coordinated omission)."""
    counter = itertools.count()
    latencies: list[float] = []
    outcomes = {"booked": 0, "taken": 0, "other": 0}
    host, port = base.removeprefix("http://").rsplit(":", 1)
    clients = [Connection(host, int(port)) for _ in users]

    async def login(client: Connection, username: str) -> dict[str, str]:
        status, body = await client.json(
            "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        return {"authorization": f"Bearer {body['access_token']}"}

    tokens = [await login(c, u[0]) for c, u in zip(clients, users, strict=True)]
    measuring = False
    began = time.perf_counter()
    stop_at = began + warmup + seconds

    async def book(client: Connection, headers: dict[str, str], started: float) -> None:
        n = next(counter)
        index = n - 1 if n % RETAKE_EVERY == 0 and n else n
        body = {"slot_id": str(slots[index]), "mode": "video", "reason": "Tái khám"}
        status, answer = await client.json(
            "POST", "/api/v1/appointments", body=body, headers=headers
        )
        elapsed = time.perf_counter() - started
        if not measuring:
            return
        latencies.append(elapsed)
        if status == 201:
            outcomes["booked"] += 1
        elif status == 409 and answer["error"]["code"] in ("slot_taken", "overlapping"):
            outcomes["taken"] += 1
        else:
            outcomes["other"] += 1

    async def one_client(client: Connection, headers: dict[str, str]) -> None:
        while time.perf_counter() < stop_at:
            await book(client, headers, time.perf_counter())

    # Open loop: one schedule for all requests, each sent at its due time on whichever
    # connection is idle (the one idle longest), and waiting only when all of them are busy.
    # Pacing each connection on its own schedule made a request wait behind its own
    # connection's previous answer while others sat idle, and pinned the load to how the
    # kernel had spread the connections over the workers (19 / 13 measured): the busier
    # worker was overloaded at a rate the two together carried.
    idle: asyncio.Queue[tuple[Connection, dict[str, str]]] = asyncio.Queue()

    async def on_idle_connection(due: float) -> None:
        client, headers = await idle.get()
        try:
            await book(client, headers, due)
        finally:
            idle.put_nowait((client, headers))

    async def schedule(rate: float) -> None:
        for pair in zip(clients, tokens, strict=True):
            idle.put_nowait(pair)
        sent: set[asyncio.Task[None]] = set()
        for n in itertools.count():
            due = began + n / rate
            if due >= stop_at:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(on_idle_connection(due))
            sent.add(task)
            task.add_done_callback(sent.discard)
        await asyncio.gather(*sent)

    if rate:
        tasks = [asyncio.create_task(schedule(rate))]
    else:
        tasks = [
            asyncio.create_task(one_client(c, h)) for c, h in zip(clients, tokens, strict=True)
        ]
    await asyncio.sleep(warmup)
    measuring = True
    if meter:
        meter.start()
        held = connections_per_worker(meter.server_pid, int(port))
    measured_from = time.perf_counter()
    generator_from = time.process_time()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - measured_from
    generator_cpu = time.process_time() - generator_from
    app_cpu, db_cpu = meter.stop() if meter else (0.0, 0.0)
    for c in clients:
        await c.close()
    latencies.sort()
    return {
        "bookings_per_s": outcomes["booked"] / wall,
        "requests_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "booked": outcomes["booked"],
        "taken": outcomes["taken"],
        "other": outcomes["other"],
        "slots_used": next(counter),
        "app_cpu_ms": app_cpu * 1000 / max(len(latencies), 1),
        "db_cpu_ms": db_cpu * 1000 / max(len(latencies), 1),
        "generator_cpu_ms": generator_cpu * 1000 / max(len(latencies), 1),
        "split": meter.split if meter else [],
        "connections": held if meter else [],
    }


async def raw_insert_floor(
    dsn: str,
    rows: list[tuple],
    users: list[tuple[str, object, object]],
    clients: int,
    seconds: float,
) -> float:
    """The same booking as one INSERT against the same partial unique index, no HTTP, no ORM."""
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    counter = itertools.count()
    done = 0
    stop_at = time.monotonic() + seconds
    sql = (
        "INSERT INTO appointment (id, slot_id, patient_id, practitioner_id, facility_id, mode, "
        "status, start_at, end_at, reason, booked_by_user_id, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'video', 'booked', $6, $7, 'Tái khám', $8, $9)"
    )

    async def worker(k: int) -> None:
        nonlocal done
        _, user_id, patient_id = users[k % len(users)]
        async with pool.acquire() as conn:
            statement = await conn.prepare(sql)
            while time.monotonic() < stop_at:
                index = next(counter)
                if index >= len(rows):
                    raise RuntimeError("the floor ran out of seeded slots: seed more")
                slot_id, practitioner_id, facility_id, start, end, _ = rows[index]
                await statement.fetch(
                    new_id(),
                    slot_id,
                    patient_id,
                    practitioner_id,
                    facility_id,
                    start,
                    end,
                    user_id,
                    datetime.now(UTC).replace(tzinfo=None),
                )
                done += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    wall = time.perf_counter() - began
    await pool.close()
    return done / wall


async def double_bookings(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM (SELECT slot_id FROM appointment WHERE status != 'cancelled' "
                "GROUP BY slot_id HAVING count(*) > 1) AS doubled"
            )
        )
    finally:
        await conn.close()


def report(run: dict[str, Any], machine: MachineMeter) -> None:
    print(
        f"  bookings/s        {run['bookings_per_s']:8.0f}   "
        f"(requests/s {run['requests_per_s']:.0f}; {run['booked']} booked, "
        f"{run['taken']} refused as taken, {run['other']} other)"
    )
    print(f"  latency p50/p99   {run['p50_ms']:8.1f} / {run['p99_ms']:.1f} ms")
    print(
        f"  CPU per request   {run['app_cpu_ms']:8.2f} ms app workers, "
        f"{run['db_cpu_ms']:.2f} ms PostgreSQL, {run['generator_cpu_ms']:.2f} ms load generator"
    )
    # uvicorn's workers share one listening socket: which worker holds which keep-alive
    # connection is up to the kernel, and the two may carry uneven loads.
    print(
        f"  app CPU split     {' / '.join(f'{p} %' for p in run['split'])} between processes; "
        f"connections held {' / '.join(map(str, run['connections']))}"
    )
    print(f"  {machine.summary()}")


async def main(args: argparse.Namespace) -> None:
    name = f"vt_bench_{uuid.uuid4().hex[:10]}"
    dsn = _dsn(name)
    await create_database(name)
    server = None
    try:
        # Enough slots for the two HTTP runs and, after them, the raw-INSERT run.
        n_slots = int((args.seconds + args.warmup) * 2 * 2500) + int(min(args.seconds, 10)) * 15_000
        start = (datetime.now(UTC) + timedelta(days=1)).replace(
            second=0, microsecond=0, tzinfo=None
        )
        world = await seed(dsn, patients=args.clients, slots=n_slots, start=start)
        port = free_port()
        server = start_server(dsn, port, args.workers, f"vt-bench-{uuid.uuid4().hex[:8]}:")
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base)
        slots: list[uuid.UUID] = world["slots"]  # type: ignore[assignment]
        users = world["users"]  # type: ignore[assignment]
        meter = CpuMeter(server.pid)
        with MachineMeter() as closed_machine:
            http = await drive_http(base, users, slots, args.seconds, args.warmup, meter=meter)
        used = http["slots_used"] + 10
        paced = None
        paced_machine = MachineMeter()
        if args.rate:
            request_rate = args.rate * RETAKE_EVERY / (RETAKE_EVERY - 1)
            with paced_machine:
                paced = await drive_http(
                    base, users, slots[used:], args.seconds, args.warmup, rate=request_rate,
                    meter=meter,
                )
            used += paced["slots_used"] + 10
        server.terminate()
        server.wait(timeout=30)
        server = None
        doubled = await double_bookings(dsn)
        rows = world["rows"][used:]  # type: ignore[index]
        floor = await raw_insert_floor(dsn, rows, users, args.clients, min(args.seconds, 10))
        doubled += await double_bookings(dsn)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        await drop_database(name)

    print(
        f"booking through HTTP ({args.workers} uvicorn workers, {args.clients} clients, "
        f"{args.seconds:.0f} s, PostgreSQL + Redis):"
    )
    report(http, closed_machine)
    if paced is not None:
        # Open-loop latency grows without bound as the offered rate nears what the machine
        # carries at that moment (the host's speed drifts by 10-30 %): read it with this.
        offered = args.rate * RETAKE_EVERY / (RETAKE_EVERY - 1) / http["requests_per_s"]
        print(
            f"paced: {args.rate:.0f} bookings/s offered over the {args.clients} clients' "
            f"connections, {100 * offered:.0f} % of the closed loop's requests/s "
            "(latency from each request's due time):"
        )
        report(paced, paced_machine)
    print(f"  double bookings   {doubled:8d}")
    print(f"floor: one raw INSERT through asyncpg, {args.clients} connections:")
    print(f"  inserts/s         {floor:8.0f}")
    print(f"ratio HTTP/floor    {http['bookings_per_s'] / floor:8.2f}")
    if doubled:
        raise SystemExit("double bookings found")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rate",
        type=float,
        default=300.0,
        help="bookings/s offered in the paced (open-loop) run after the closed-loop one; 0: skip",
    )
    asyncio.run(main(parser.parse_args()))
