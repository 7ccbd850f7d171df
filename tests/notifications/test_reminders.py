"""Reminders: sent once per appointment, even when two workers run the job together."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select

from telehealth.booking.tasks import send_due_reminders
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import Appointment, Notification
from tests.booking.world import FIRST_SLOT, build_world
from tests.fixtures.http import login, seeding


async def _book_all(
    client: httpx.AsyncClient, headers: dict[str, str], slot_ids: list[str]
) -> None:
    for slot_id in slot_ids:
        r = await client.post(
            "/api/v1/appointments", headers=headers, json={"slot_id": slot_id, "mode": "video"}
        )
        assert r.status_code == 201


async def test_reminders_are_sent_once_even_with_two_workers(
    client: httpx.AsyncClient, db: Database, settings: Settings, clock: FrozenClock, app: object
) -> None:
    world = await build_world(db, slots=3, booking_horizon_days=28)
    headers = await login(client, world.patient_user.username)
    await _book_all(client, headers, [str(s.id) for s in world.slots[:2]])
    bus = app.state.bus  # type: ignore[attr-defined]
    # Two workers, each with its own engine, as two `telehealth worker` processes would have.
    other_db = Database(settings)
    try:
        first, second = (
            JobContext(db, settings, clock, bus),
            JobContext(other_db, settings, clock, bus),
        )
        assert await send_due_reminders(first) == 0  # 25 hours ahead: not due yet (24 h)

        clock.set(FIRST_SLOT - timedelta(hours=23))
        sent = await asyncio.gather(send_due_reminders(first), send_due_reminders(second))
        assert sorted(sent) == [0, 2]
        assert await send_due_reminders(first) == 0
    finally:
        await other_db.dispose()

    async with seeding(db) as s:
        reminders = (
            (await s.execute(select(Notification).where(Notification.kind == "booking.reminder")))
            .scalars()
            .all()
        )
        claimed = (await s.execute(select(Appointment.reminder_sent_at))).scalars().all()
    assert len(reminders) == 2
    assert reminders[0].title.startswith("Nhắc lịch: khám lúc 09:")
    assert all(at is not None for at in claimed)


async def test_cancelled_and_past_appointments_get_no_reminder(
    client: httpx.AsyncClient, db: Database, settings: Settings, clock: FrozenClock, app: object
) -> None:
    world = await build_world(db, slots=3)
    headers = await login(client, world.patient_user.username)
    await _book_all(client, headers, [str(s.id) for s in world.slots])
    latest = (await client.get("/api/v1/appointments", headers=headers)).json()[0]  # newest first
    await client.post(f"/api/v1/appointments/{latest['id']}/cancel", headers=headers)
    clock.set(FIRST_SLOT + timedelta(minutes=1))  # the first visit has begun; the second has not
    ctx = JobContext(db, settings, clock, app.state.bus)  # type: ignore[attr-defined]
    assert await send_due_reminders(ctx) == 1
