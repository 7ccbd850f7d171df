"""The PostgreSQL hot path: booking statements run on the session's asyncpg connection.

They must behave exactly as the SQLAlchemy path does: inside the request's transaction and
its savepoints, with SQLAlchemy's error classes, and leaving an audit chain that verifies.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from telehealth.config import Settings
from telehealth.db import AfterCommit, Database, DriverStatement, after_commit, fetch
from telehealth.error_handlers import OUTAGES
from telehealth.models import Appointment, AuditEvent, Notification, Province
from tests.audit.helpers import verify
from tests.booking.world import build_world
from tests.fixtures.http import login, seeding

PROVINCE = Province.__table__  # type: ignore[attr-defined]
ADD_PROVINCE = DriverStatement.of(
    insert(PROVINCE).values(code=bindparam("code"), name="Thử", name_en="Test")
)
BACKEND_PID = DriverStatement.of(select(func.pg_backend_pid().label("pid")))


# Driver-level statements exist on PostgreSQL only: these tests run there and nowhere else
# (not skipped on SQLite: a skipped test reads as one that passed).
on_postgresql = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


async def provinces(db: Database) -> set[str]:
    async with seeding(db) as s:
        return set((await s.execute(select(PROVINCE.c.code))).scalars())


async def test_bookings_and_a_lost_race_leave_one_notification_each_and_a_verified_chain(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    world = await build_world(db, slots=2, patients=2)
    first = await login(client, world.patients[0][0].username)
    second = await login(client, world.patients[1][0].username)

    statuses = [
        (await client.post("/api/v1/appointments", headers=h, json=body)).status_code
        for h, body in (
            (first, {"slot_id": str(world.slots[0].id), "mode": "video"}),
            (second, {"slot_id": str(world.slots[0].id), "mode": "video"}),
            (second, {"slot_id": str(world.slots[1].id), "mode": "in_person"}),
        )
    ]

    assert statuses == [201, 409, 201]
    async with seeding(db) as s:
        booked = (await s.execute(select(Appointment))).scalars().all()
        notes = (await s.execute(select(Notification))).scalars().all()
        created = (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "appointment.create"))
        ).scalars().all()
    assert sorted(n.link for n in notes) == sorted(f"/appointments/{a.id}" for a in booked)
    assert {e.resource_id for e in created} == {str(a.id) for a in booked}
    assert (await verify(db, settings)).intact


@on_postgresql
async def test_a_driver_level_write_rolls_back_with_the_request(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async for session in db.transaction():
            await fetch(session, ADD_PROVINCE, {"code": "98"})
            raise RuntimeError("the request failed after the write")

    assert "98" not in await provinces(db)


@on_postgresql
async def test_a_driver_level_write_inside_a_savepoint_rolls_back_with_it(db: Database) -> None:
    async for session in db.transaction():
        await fetch(session, ADD_PROVINCE, {"code": "97"})
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await fetch(session, ADD_PROVINCE, {"code": "96"})
                raise RuntimeError("undo the savepoint only")
        await fetch(session, ADD_PROVINCE, {"code": "95"})

    assert {"97", "95"} <= await provinces(db)
    assert "96" not in await provinces(db)


@on_postgresql
async def test_a_constraint_violation_raises_what_sqlalchemy_would(db: Database) -> None:
    async with seeding(db) as s:
        await fetch(s, ADD_PROVINCE, {"code": "94"})

    with pytest.raises(IntegrityError):
        async for session in db.transaction():
            await fetch(session, ADD_PROVINCE, {"code": "94"})


@on_postgresql
async def test_a_lost_connection_is_an_outage_and_the_pool_replaces_it(db: Database) -> None:
    with pytest.raises(OUTAGES):
        async for session in db.transaction():
            pid = (await fetch(session, BACKEND_PID, {}))[0]["pid"]
            async with db.sessionmaker() as admin:
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # Until the client has read the server's goodbye; before that asyncpg reports a
            # protocol state error, through SQLAlchemy's own path just the same.
            await asyncio.sleep(0.2)
            await fetch(session, BACKEND_PID, {})

    async for session in db.transaction():
        assert (await fetch(session, BACKEND_PID, {}))[0]["pid"] != pid


def provinces_hook(db: Database) -> tuple[list[set[str]], AfterCommit]:
    """An after-commit hook that records the provinces it sees, and its record."""
    seen: list[set[str]] = []

    async def hook() -> None:
        seen.append(await provinces(db))

    return seen, hook


@on_postgresql
async def test_a_driver_level_commit_keeps_the_work_then_runs_the_after_commit_hooks(
    db: Database,
) -> None:
    seen, hook = provinces_hook(db)

    async for session in db.transaction():
        await fetch(session, ADD_PROVINCE, {"code": "93"})
        after_commit(session, hook)
        assert seen == []

    assert len(seen) == 1 and "93" in seen[0]  # the hook sees the committed row


@on_postgresql
async def test_a_request_that_fails_after_driver_level_work_runs_no_after_commit_hook(
    db: Database,
) -> None:
    seen, hook = provinces_hook(db)

    with pytest.raises(RuntimeError):
        async for session in db.transaction():
            await fetch(session, ADD_PROVINCE, {"code": "92"})
            after_commit(session, hook)
            raise RuntimeError("the request failed before its commit")

    assert seen == []
    assert "92" not in await provinces(db)


@on_postgresql
async def test_a_commit_that_fails_is_an_outage_and_runs_no_after_commit_hook(
    db: Database,
) -> None:
    seen, hook = provinces_hook(db)

    with pytest.raises(OUTAGES):
        async for session in db.transaction():
            pid = (await fetch(session, BACKEND_PID, {}))[0]["pid"]
            await fetch(session, ADD_PROVINCE, {"code": "91"})
            after_commit(session, hook)
            async with db.sessionmaker() as admin:
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.sleep(0.2)  # the COMMIT now meets a closed connection

    assert seen == []
    assert "91" not in await provinces(db)


@on_postgresql
async def test_orm_changes_after_driver_level_work_are_committed_with_it(db: Database) -> None:
    async for session in db.transaction():
        await fetch(session, ADD_PROVINCE, {"code": "90"})
        session.add(Province(code="89", name="Thử ORM", name_en="ORM test"))

    assert {"90", "89"} <= await provinces(db)
