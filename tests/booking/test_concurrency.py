"""Races: many patients, one slot. The database's partial unique index picks one winner."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.security import new_token, token_hash
from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import Appointment, AuthSession, Notification, User
from tests.booking.world import add_patient, build_world
from tests.fixtures.http import login, seeding

RACERS = 50


async def issue_token(session: AsyncSession, user: User, now: datetime) -> dict[str, str]:
    token = new_token()
    session.add(
        AuthSession(
            token_hash=token_hash(token),
            user_id=user.id,
            kind="api",
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
    )
    await session.flush()
    return {"Authorization": f"Bearer {token}"}


async def test_fifty_patients_race_for_one_slot_and_exactly_one_wins(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    world = await build_world(db, slots=1, patients=0)
    async with seeding(db) as s:
        users = [(await add_patient(s))[0] for _ in range(RACERS)]
        # Real API tokens, issued straight into the table: fifty Argon2 logins would only
        # slow the test down (and on SQLite each holds the write lock while hashing).
        tokens = [await issue_token(s, u, clock.now()) for u in users]
    payload = {"slot_id": str(world.slots[0].id), "mode": "video"}

    responses = await asyncio.gather(
        *(client.post("/api/v1/appointments", headers=h, json=payload) for h in tokens)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1)
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
    async with seeding(db) as s:
        rows = (await s.execute(select(Appointment))).scalars().all()
        notes = (await s.execute(select(func.count()).select_from(Notification))).scalar_one()
    assert len(rows) == 1
    winner = next(r for r in responses if r.status_code == 201).json()
    assert rows[0].id.hex == winner["id"].replace("-", "")
    assert notes == 1  # the losers' transactions rolled back with their notifications


async def test_reschedule_onto_a_taken_slot_changes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=2, patients=2)
    mover = await login(client, world.patients[0][0].username)
    other = await login(client, world.patients[1][0].username)
    mine = (
        await client.post(
            "/api/v1/appointments",
            headers=mover,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()
    await client.post(
        "/api/v1/appointments",
        headers=other,
        json={"slot_id": str(world.slots[1].id), "mode": "in_person"},
    )

    refused = await client.post(
        f"/api/v1/appointments/{mine['id']}/reschedule",
        headers=mover,
        json={"slot_id": str(world.slots[1].id)},
    )

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "slot_taken"
    still = await client.get(f"/api/v1/appointments/{mine['id']}", headers=mover)
    assert still.json()["status"] == "booked" and still.json()["cancelled_at"] is None
    async with seeding(db) as s:
        assert (await s.execute(select(func.count()).select_from(Appointment))).scalar_one() == 2


async def test_reschedule_books_the_new_slot_and_cancels_the_old(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=2)
    headers = await login(client, world.patient_user.username)
    old = (
        await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(world.slots[0].id), "mode": "video", "reason": "Tái khám"},
        )
    ).json()
    moved = await client.post(
        f"/api/v1/appointments/{old['id']}/reschedule",
        headers=headers,
        json={"slot_id": str(world.slots[1].id)},
    )
    assert moved.status_code == 201
    new = moved.json()
    assert new["rescheduled_from_id"] == old["id"]
    assert new["slot_id"] == str(world.slots[1].id)
    assert new["mode"] == "video" and new["reason"] == "Tái khám"
    previous = (await client.get(f"/api/v1/appointments/{old['id']}", headers=headers)).json()
    assert previous["status"] == "cancelled"
    free = await client.get("/api/v1/slots", params={"practitioner_id": str(world.practitioner.id)})
    assert [s["id"] for s in free.json()] == [str(world.slots[0].id)]  # the old slot is free again


async def test_two_concurrent_reschedules_of_one_booking_leave_one_live_booking(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=3)
    headers = await login(client, world.patient_user.username)
    old = (
        await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()
    results = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/appointments/{old['id']}/reschedule",
                headers=headers,
                json={"slot_id": str(slot.id)},
            )
            for slot in world.slots[1:]
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    async with seeding(db) as s:
        live = (
            (await s.execute(select(Appointment).where(Appointment.status == "booked")))
            .scalars()
            .all()
        )
    assert len(live) == 1
