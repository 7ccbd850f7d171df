"""Live delivery: a subscribed client receives notifications over SSE through a real server."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from telehealth.app import create_app
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from tests.booking.world import build_world
from tests.conftest import REDIS_URL, T0
from tests.fixtures import factories
from tests.fixtures.http import login, seeding, web_login
from tests.notifications.live_server import EventReader, running


async def test_booking_confirmation_arrives_live(
    client: httpx.AsyncClient, db: Database, app: FastAPI
) -> None:
    world = await build_world(db)
    headers = await login(client, world.patient_user.username)
    async with (
        running(app) as base,
        httpx.AsyncClient(base_url=base) as live,
        live.stream("GET", "/api/v1/events", headers=headers) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = EventReader(stream)
        assert (await events.next())[0] == "ready"  # type: ignore[index]
        booked = await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(world.slots[0].id), "mode": "video"},
        )
        assert booked.status_code == 201
        kind, data = await events.next()  # type: ignore[misc]
    assert kind == "notification"
    assert data["kind"] == "booking.confirmed"
    assert data["title"] == "Đã đặt lịch khám lúc 09:00 24/11/2026"
    assert data["link"] == f"/appointments/{booked.json()['id']}"


async def test_web_session_streams_and_stops_once_logged_out(
    client: httpx.AsyncClient, db: Database, app: FastAPI
) -> None:
    world = await build_world(db)
    csrf = await web_login(client, world.patient_user.username)
    bus = app.state.bus
    channel = f"user:{world.patient_user.id}"
    # The cookie jar is bound to the ASGI client's host; send the session cookie explicitly.
    cookie = {"Cookie": f"vt_session={client.cookies['vt_session']}"}
    async with (
        running(app) as base,
        httpx.AsyncClient(base_url=base) as live,
        live.stream("GET", "/api/v1/events", headers=cookie) as stream,
    ):
        assert stream.status_code == 200
        events = EventReader(stream)
        assert (await events.next())[0] == "ready"  # type: ignore[index]
        await bus.publish(channel, {"type": "notification", "title": "một"})
        assert (await events.next())[1]["title"] == "một"  # type: ignore[index]
        assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303
        await bus.publish(channel, {"type": "notification", "title": "hai"})
        assert await events.next() is None  # the revoked session ends the stream undelivered


async def test_staff_also_receive_their_facility_queue(
    client: httpx.AsyncClient, db: Database, app: FastAPI
) -> None:
    world = await build_world(db)
    async with seeding(db) as s:
        elsewhere = await factories.facility(s)
    headers = await login(client, world.doctor.username)
    bus = app.state.bus
    async with (
        running(app) as base,
        httpx.AsyncClient(base_url=base) as live,
        live.stream("GET", "/api/v1/events", headers=headers) as stream,
    ):
        events = EventReader(stream)
        assert (await events.next())[1] == {"channels": 2}  # type: ignore[index]
        await bus.publish(f"facility:{elsewhere.id}:consultations", {"type": "queue", "n": 1})
        await bus.publish(f"facility:{world.facility.id}:consultations", {"type": "queue", "n": 2})
        kind, data = await events.next()  # type: ignore[misc]
    assert kind == "queue" and data["n"] == 2
    assert data["channel"] == f"facility:{world.facility.id}:consultations"


async def test_events_need_a_login(client: httpx.AsyncClient, db: Database) -> None:
    assert (await client.get("/api/v1/events")).status_code == 401


async def test_live_delivery_across_processes_through_redis(
    settings: Settings, db: Database, redis_prefix: str, client: httpx.AsyncClient
) -> None:
    """Two apps sharing Redis, as two uvicorn workers do: book on one, hear on the other."""
    world = await build_world(db)
    redis_settings = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_prefix": redis_prefix}
    )
    booking_app = create_app(redis_settings, clock=FrozenClock(T0))
    streaming_app = create_app(redis_settings, clock=FrozenClock(T0))
    async with (
        booking_app.router.lifespan_context(booking_app),
        streaming_app.router.lifespan_context(streaming_app),
    ):
        booker = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=booking_app), base_url="http://a"
        )
        async with booker:
            headers = await login(booker, world.patient_user.username)
            async with (
                running(streaming_app) as base,
                httpx.AsyncClient(base_url=base) as live,
                live.stream("GET", "/api/v1/events", headers=headers) as stream,
            ):
                events = EventReader(stream)
                assert (await events.next())[0] == "ready"  # type: ignore[index]
                r = await booker.post(
                    "/api/v1/appointments",
                    headers=headers,
                    json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
                )
                assert r.status_code == 201
                kind, data = await events.next()  # type: ignore[misc]
    assert kind == "notification" and data["kind"] == "booking.confirmed"
    assert uuid.UUID(data["id"])
