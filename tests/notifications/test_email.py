"""Email copies go through a real SMTP server; failures are retried with backoff on the row."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import Notification
from telehealth.notifications.tasks import deliver_pending_emails
from tests.booking.world import build_world
from tests.fixtures.http import login, seeding
from tests.notifications.smtp_server import free_port, smtp_server


async def _book_with_email(client: httpx.AsyncClient, db: Database) -> None:
    world = await build_world(db)
    headers = await login(client, world.patient_user.username)
    r = await client.patch("/api/v1/patients/me", headers=headers, json={"email": "lan@example.vn"})
    assert r.status_code == 200
    r = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    assert r.status_code == 201


async def _note(db: Database) -> Notification:
    async with seeding(db) as s:
        return (await s.execute(select(Notification))).scalar_one()


def _use_smtp(settings: Settings, port: int) -> None:
    # The app was built with this very Settings object, so it sees the change at once.
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", port, False


async def test_booking_confirmation_is_emailed(
    client: httpx.AsyncClient, db: Database, settings: Settings, clock: FrozenClock, app: FastAPI
) -> None:
    port = free_port()
    _use_smtp(settings, port)
    await _book_with_email(client, db)
    assert (await _note(db)).email_status == "pending"
    ctx = JobContext(db, settings, clock, app.state.bus)
    with smtp_server(port) as inbox:
        assert await deliver_pending_emails(ctx) == 1
        assert await deliver_pending_emails(ctx) == 0  # nothing is sent twice
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["lan@example.vn"]
    assert message["Subject"] == "Đã đặt lịch khám lúc 09:00 24/11/2026"
    body = message.get_content()  # type: ignore[attr-defined]
    assert "Trần Văn Minh" in body and "/appointments/" in body
    note = await _note(db)
    assert note.email_status == "sent" and note.email_attempts == 1


async def test_unreachable_server_is_retried_after_backoff(
    client: httpx.AsyncClient, db: Database, settings: Settings, clock: FrozenClock, app: FastAPI
) -> None:
    port = free_port()
    _use_smtp(settings, port)
    await _book_with_email(client, db)
    ctx = JobContext(db, settings, clock, app.state.bus)

    assert await deliver_pending_emails(ctx) == 0  # nobody listens on the port yet
    failed = await _note(db)
    assert failed.email_status == "pending" and failed.email_attempts == 1
    assert failed.email_last_error and failed.email_last_error.startswith("attempt 1:")

    with smtp_server(port) as inbox:
        assert await deliver_pending_emails(ctx) == 0  # the backoff has not passed
        clock.advance(timedelta(minutes=1))
        assert await deliver_pending_emails(ctx) == 1
    assert len(inbox.messages) == 1
    sent = await _note(db)
    assert (
        sent.email_status == "sent" and sent.email_attempts == 2 and sent.email_last_error is None
    )


async def test_gives_up_after_the_last_attempt(
    client: httpx.AsyncClient, db: Database, settings: Settings, clock: FrozenClock, app: FastAPI
) -> None:
    _use_smtp(settings, free_port())
    await _book_with_email(client, db)
    ctx = JobContext(db, settings, clock, app.state.bus)
    for _ in range(6):
        await deliver_pending_emails(ctx)
        clock.advance(timedelta(hours=1))
    note = await _note(db)
    assert note.email_status == "failed" and note.email_attempts == 6
    assert await deliver_pending_emails(ctx) == 0


async def test_no_email_is_queued_without_smtp(client: httpx.AsyncClient, db: Database) -> None:
    await _book_with_email(client, db)
    assert (await _note(db)).email_status == "none"
