"""Quality ingestion benchmark on PostgreSQL: stats samples from the socket to storage.

Two measurements:

  storage      in this process, DatabasePlatform alone: `store_quality` (checks, fair
               buffer) then `flush` to PostgreSQL, for each write path (the old per-object
               ORM path, one multi-row INSERT per batch, COPY). Records/s and µs per record.
  end-to-end   the whole app (`python -m telehealth serve`, one worker) on a free port;
               N rooms × 2 peers join over real websockets with real join tokens (minted
               with the app's secret exactly as the join-token endpoint does) and send
               `stats` open loop at a given total rate, from client processes. Stored
               samples/s are counted in the database; server CPU per sample from /proc.

    .venv/bin/python -m benchmarks.quality_ingest [--rooms 1000 --seconds 15 \\
        --rates 5000,10000,20000 --storage-records 100000]

Needs PostgreSQL (TELEHEALTH_TEST_PG_DSN, default postgresql://postgres@127.0.0.1:5432/
postgres); it creates and drops a database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import orjson  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import telehealth.models as m  # noqa: E402
from benchmarks.machine import MachineMeter  # noqa: E402
from signaling.tokens import derive_signaling_secret, mint_join_token  # noqa: E402
from signaling.tools.frames import TEXT, client_frame  # noqa: E402
from signaling.tools.serve import free_port  # noqa: E402
from telehealth.clock import SystemClock  # noqa: E402
from telehealth.config import Settings  # noqa: E402
from telehealth.db import Database  # noqa: E402
from telehealth.sessions import service as session_service  # noqa: E402
from telehealth.sessions.platform import DatabasePlatform  # noqa: E402

ADMIN_DSN = os.environ.get(
    "TELEHEALTH_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench-quality-secret-0123456789abcdef0123456789"
SAMPLE = {"rtt_ms": 48, "jitter_ms": 3.5, "packets_lost": 12, "packets_received": 15000,
          "bitrate_in_kbps": 900, "bitrate_out_kbps": 850, "frames_decoded": 3000,
          "frames_dropped": 2, "frame_width": 640, "frame_height": 480, "freeze_count": 0,
          "freeze_duration_ms": 0, "audio_only": False, "remote_peer_id": "p-remote"}


def _urls(name: str) -> tuple[str, str]:
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return base + "/" + name, base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name


async def create_database(name: str) -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    _, url = _urls(name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    return url


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(url: str, rooms: int) -> list[tuple[str, str, str]]:
    """`rooms` video visits starting in 5 minutes (rooms open now): (room, doctor, patient)."""
    engine = create_async_engine(url)
    now = datetime.now(UTC)
    facility_id = uuid.uuid4()
    users, practitioners, patients, appointments, out = [], [], [], [], []
    for n in range(rooms):
        doctor, patient_user = uuid.uuid4(), uuid.uuid4()
        practitioner, patient, appointment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for uid, role in ((doctor, "clinician"), (patient_user, "patient")):
            users.append({"id": uid, "username": f"{role}{n}", "full_name": f"{role} {n}",
                          "password_hash": "x", "role": role, "locale": "vi",
                          "is_active": True, "created_at": now,
                          "facility_id": facility_id if role == "clinician" else None})
        practitioners.append({"id": practitioner, "user_id": doctor, "facility_id": facility_id,
                              "practice_certificate_number": f"B{n:08d}", "created_at": now})
        patients.append({"id": patient, "user_id": patient_user, "full_name": f"BN {n}",
                         "date_of_birth": now.date() - timedelta(days=12000), "sex": "female",
                         "created_at": now, "national_id": f"{n:012d}"})
        appointments.append({"id": appointment, "patient_id": patient,
                             "practitioner_id": practitioner, "facility_id": facility_id,
                             "mode": "video", "status": "booked",
                             "start_at": now + timedelta(minutes=5),
                             "end_at": now + timedelta(minutes=35),
                             "booked_by_user_id": patient_user, "created_at": now})
        out.append((f"appointment:{appointment}", str(doctor), str(patient_user)))
    async with engine.begin() as conn:
        await conn.execute(insert(m.Province), [{"code": "08", "name": "TQ", "name_en": "TQ"}])
        await conn.execute(insert(m.Facility), [{"id": facility_id, "code": "08001", "name": "BV",
                                                 "level": "provincial", "province_code": "08",
                                                 "created_at": now}])
        for table, rows in ((m.User, users), (m.Practitioner, practitioners),
                            (m.Patient, patients), (m.Appointment, appointments)):
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(table), rows[start : start + 2000])
    await engine.dispose()
    return out


async def count_rows(url: str) -> int:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        n = (await conn.execute(text("SELECT count(*) FROM session_quality_record"))).scalar_one()
    await engine.dispose()
    return int(n)


# Storage: DatabasePlatform alone ------------------------------------------------------------


async def storage(
    url: str, visits: list[tuple[str, str, str]], records: int
) -> list[dict[str, Any]]:
    db = Database(Settings(environment="test", database_url=url, secret_key=SECRET_KEY))
    results = []
    now = datetime.now(UTC)
    try:
        for method in ("orm", "insert", "copy"):
            platform = DatabasePlatform(
                db, SystemClock(), max_pending=records + 1, per_peer_pending=records + 1,
                max_batch=2000, write_method="copy" if method == "copy" else "insert")
            with MachineMeter() as machine:
                started = time.perf_counter()
                if method == "orm":  # the write path before this change: one ORM object per record
                    for start in range(0, records, 2000):
                        batch = [
                            session_service.QualityItem(
                                visits[i % len(visits)][0], visits[i % len(visits)][1],
                                f"p{i % 97}", "sample", dict(SAMPLE), now)
                            for i in range(start, min(records, start + 2000))
                        ]
                        async for session in db.transaction():
                            session_service.add_quality(session, batch)
                    buffered = 0.0
                else:
                    for i in range(records):
                        room, doctor, _ = visits[i % len(visits)]
                        await platform.store_quality(
                            room, doctor, f"p{i % 97}", "sample", dict(SAMPLE), now)
                    buffered = time.perf_counter() - started
                    await platform.flush()
                elapsed = time.perf_counter() - started
            results.append({"method": method, "records": records, "seconds": round(elapsed, 2),
                            "records_per_s": round(records / elapsed),
                            "us_per_record": round(1e6 * elapsed / records, 1),
                            "us_checks_and_buffer": round(1e6 * buffered / records, 1)})
            print(json.dumps(results[-1]), flush=True)
            print(f"  {machine.summary()}", flush=True)
    finally:
        await db.dispose()
    return results


# End to end: the app on a socket --------------------------------------------------------------


def _client(peers: list[tuple[str, str, str]], ws_url: str, rate: float, seconds: float,
            ready: Any, go: Any, out: Any) -> None:
    import uvloop
    import websockets

    async def main() -> None:
        secret = derive_signaling_secret(SECRET_KEY)

        async def join(room: str, user_id: str, role: str) -> Any:
            token = mint_join_token(secret, user_id=user_id, room=room, role=role,
                                    display_name=role, ttl_seconds=600, now=time.time())
            ws = await websockets.connect(ws_url, compression=None, max_size=2**20,
                                          open_timeout=60)
            await ws.send(json.dumps({"type": "hello", "token": token}))
            welcome = json.loads(await ws.recv())
            assert welcome["type"] == "welcome", welcome
            return ws

        async def drain(ws: Any) -> None:
            try:
                async for _ in ws:
                    pass
            except Exception:
                pass

        async def keepalive(ws: Any) -> None:
            # As the browser does: a ping every 10 s keeps the socket inside the 30 s liveness.
            while True:
                await asyncio.sleep(10)
                try:
                    await ws.send('{"type":"ping"}')
                except Exception:
                    return

        sockets: list[Any] = []
        background: list[asyncio.Task[None]] = []
        for start in range(0, len(peers), 50):
            joined = await asyncio.gather(*(join(*p) for p in peers[start : start + 50]))
            sockets += joined
            background += [asyncio.create_task(drain(ws)) for ws in joined]
            background += [asyncio.create_task(keepalive(ws)) for ws in joined]
        ready.set()
        # A multiprocessing Event cannot be awaited: wait for it in a thread.
        await asyncio.to_thread(go.wait)
        # One sender for all sockets, writing ready-masked frames straight to each socket's
        # transport, round-robin at the offered rate: the load generator is an instrument,
        # and websockets' own send (a coroutine, a lock and a fresh mask per frame) plus one
        # timer per socket cost ~100 µs a frame, a core at 10,000/s, taken from the server.
        # A frame written whole this way leaves the library's connection state untouched.
        sent = 0
        began = time.perf_counter()
        deadline = began + seconds
        while (now := time.perf_counter()) < deadline:
            due = int((now - began) * rate) - sent
            for _ in range(due):
                ws = sockets[sent % len(sockets)]
                payload = orjson.dumps({"type": "stats", "sample": {**SAMPLE, "ts": time.time()}})
                ws.transport.write(client_frame(payload, TEXT, turn=sent))
                sent += 1
            await asyncio.sleep(0.002)
        out.put((sent, os.getpid()))  # the parent reads our CPU time while we still run
        for ws in sockets:
            await ws.close()
        for task in background:
            task.cancel()

    uvloop.run(main())


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_to_end(url: str, visits: list[tuple[str, str, str]], rates: list[int], seconds: float,
               clients: int) -> list[dict[str, Any]]:
    port = free_port()
    env = {**os.environ, "TELEHEALTH_DATABASE_URL": url, "TELEHEALTH_SECRET_KEY": SECRET_KEY,
           "TELEHEALTH_ENVIRONMENT": "production", "TELEHEALTH_RUN_BACKGROUND_TASKS": "false",
           "TELEHEALTH_STUN_URLS": "[]",
           # The per-socket limit (50/s) is raised: the load comes from fewer sockets than
           # 2,000 real peers would use; the limiter still runs on every message.
           "TELEHEALTH_RATE_LIMIT_PER_SECOND": "100000", "TELEHEALTH_RATE_LIMIT_BURST": "100000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "telehealth", "serve", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], env=env, cwd=ROOT)
    results = []
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ws_url = f"ws://127.0.0.1:{port}/ws/signaling/v1"
        peers = [(room, doctor, "host") for room, doctor, _ in visits]
        peers += [(room, patient, "guest") for room, _, patient in visits]
        shares = [peers[i::clients] for i in range(clients)]
        for rate in rates:
            before = asyncio.run(count_rows(url))
            ready = [mp.Event() for _ in shares]
            go, out = mp.Event(), mp.Queue()
            procs = [mp.Process(target=_client, args=(share, ws_url, rate / clients, seconds,
                                                      ready[i], go, out))
                     for i, share in enumerate(shares)]
            for p in procs:
                p.start()
            for event in ready:
                event.wait(300)
            # The machine line covers the sending only (the wait for the last rows below
            # would dilute it with idle seconds); the clients' CPU is read before they exit.
            with MachineMeter() as machine:
                cpu0, wall0 = _cpu_seconds(server.pid), time.perf_counter()
                clients_cpu0 = sum(_cpu_seconds(p.pid) for p in procs if p.pid)
                go.set()
                sent, clients_cpu = 0, 0.0
                for _ in procs:
                    count, pid = out.get(timeout=seconds + 300)
                    sent += count
                    clients_cpu += _cpu_seconds(pid)
                sending = time.perf_counter() - wall0
            # The server may still be reading what the kernel buffered and writing its
            # buffer: count until nothing changed for 5 s, and note when the last row landed.
            stored, last_change = 0, time.perf_counter()
            while time.perf_counter() - last_change < 5 and time.perf_counter() - wall0 < 300:
                time.sleep(0.5)
                now_rows = asyncio.run(count_rows(url)) - before
                if now_rows != stored:
                    stored, last_change = now_rows, time.perf_counter()
            wall = last_change - wall0
            cpu = _cpu_seconds(server.pid) - cpu0
            for p in procs:
                p.join()
            results.append({
                "offered_per_s": rate, "sockets": len(peers), "sent": sent,
                "sent_per_s": round(sent / sending), "stored": stored,
                "stored_per_s": round(stored / wall), "lost": sent - stored,
                "last_row_after_s": round(wall, 1),
                "server_cpu_us_per_sample": round(1e6 * cpu / max(stored, 1), 1),
                "server_cpu_us_per_sent": round(1e6 * cpu / max(sent, 1), 1),
                "server_cpu_share": round(cpu / wall, 2),
                "clients_cpu_share": round((clients_cpu - clients_cpu0) / sending, 2),
                "steal_share": round(machine.steal_share, 3),
            })
            print(json.dumps(results[-1]), flush=True)
            print(f"  {machine.summary()}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rates", default="5000,10000,20000")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--storage-records", type=int, default=100_000)
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-storage", action="store_true")
    args = parser.parse_args()
    name = f"vt_bench_quality_{os.getpid()}"
    url = asyncio.run(create_database(name))
    try:
        visits = asyncio.run(seed(url, args.rooms))
        if not args.skip_storage:
            print(f"storage: {args.storage_records} records per write path", flush=True)
            asyncio.run(storage(url, visits, args.storage_records))
        if not args.skip_end_to_end:
            print(f"end to end: {args.rooms} rooms, {2 * args.rooms} sockets, "
                  f"{args.seconds:.0f} s per rate, {args.clients} client processes", flush=True)
            end_to_end(url, visits, [int(r) for r in args.rates.split(",")], args.seconds,
                       args.clients)
    finally:
        asyncio.run(drop_database(name))


if __name__ == "__main__":
    main()
