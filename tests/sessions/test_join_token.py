"""Who may get a join token for which room, with which role, and when."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from signaling.affinity import derive_affinity_secret, room_key
from signaling.tokens import derive_signaling_secret, verify_join_token
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import (
    AppointmentStatus,
    AuditEvent,
    Role,
    SessionParticipation,
    User,
    VisitMode,
)
from tests.fixtures import factories
from tests.fixtures.http import login, seeding
from tests.sessions.builders import VideoVisit, video_visit
from tests.sessions.conftest import START

URL = "/api/v1/sessions/join-token"


async def _token(client: httpx.AsyncClient, username: str, room: str) -> httpx.Response:
    return await client.post(URL, json={"room": room}, headers=await login(client, username))


async def test_patient_of_the_appointment_joins_as_guest(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock, settings: Settings
) -> None:
    response = await _token(client, visit.patient_user.username, visit.room)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["role"], body["room"]) == ("guest", visit.room)
    assert body["display_name"] == visit.patient_name
    grant = verify_join_token(derive_signaling_secret(settings.secret_key), body["token"])
    assert (grant.user_id, grant.room, grant.role) == (
        str(visit.patient_user.id), visit.room, "guest")
    assert isinstance(body["ice_servers"], list)


async def test_signaling_url_carries_the_room_key_and_nothing_of_the_room(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock, settings: Settings
) -> None:
    doctor = (await _token(client, visit.doctor.username, visit.room)).json()
    patient = (await _token(client, visit.patient_user.username, visit.room)).json()
    url = urlsplit(doctor["ws_url"])
    assert url.path == "/ws/signaling/v1"
    key = room_key(derive_affinity_secret(settings.secret_key), visit.room)
    assert parse_qs(url.query) == {"room_key": [key]}
    assert patient["ws_url"] == doctor["ws_url"]  # both peers of the room, one worker
    resource_id = visit.room.split(":", 1)[1]
    assert resource_id not in doctor["ws_url"] and resource_id.replace("-", "") not in key


async def test_rooms_get_different_room_keys(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        other = await video_visit(session, START)
    first = (await _token(client, visit.doctor.username, visit.room)).json()["ws_url"]
    second = (await _token(client, other.doctor.username, other.room)).json()["ws_url"]
    assert first.startswith("/ws/signaling/v1?room_key=") and first != second


async def test_practitioner_hosts_with_title_in_display_name(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock
) -> None:
    body = (await _token(client, visit.doctor.username, visit.room)).json()
    assert (body["role"], body["display_name"]) == ("host", "BSCKI Trần Thị Bình")


async def test_token_expires_within_five_minutes(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock, settings: Settings
) -> None:
    body = (await _token(client, visit.doctor.username, visit.room)).json()
    grant = verify_join_token(derive_signaling_secret(settings.secret_key), body["token"])
    assert 0 < grant.expires_at - time.time() <= 300


async def test_another_patient_gets_404(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        stranger = await factories.user(session, Role.patient)
        await factories.patient(session, user_obj=stranger)
    response = await _token(client, stranger.username, visit.room)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_colleague_of_the_same_facility_gets_404(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        colleague = await factories.practitioner(session, visit.facility.id)
        user = await session.get(User, colleague.user_id)
        assert user is not None
    assert (await _token(client, user.username, visit.room)).status_code == 404


async def test_facility_admin_gets_404(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        admin = await factories.user(session, Role.facility_admin, facility_id=visit.facility.id)
    assert (await _token(client, admin.username, visit.room)).status_code == 404


async def test_too_early_is_409_with_opening_time(
    client: httpx.AsyncClient, visit: VideoVisit, clock: FrozenClock
) -> None:
    clock.set(START - timedelta(minutes=16))
    response = await _token(client, visit.patient_user.username, visit.room)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "room_not_open_yet"
    assert "08:15" in error["message"]


async def test_room_opens_fifteen_minutes_before_start(
    client: httpx.AsyncClient, visit: VideoVisit, clock: FrozenClock
) -> None:
    clock.set(START - timedelta(minutes=15))
    assert (await _token(client, visit.patient_user.username, visit.room)).status_code == 200


async def test_an_hour_after_the_end_is_410(
    client: httpx.AsyncClient, visit: VideoVisit, clock: FrozenClock
) -> None:
    clock.set(START + timedelta(minutes=30 + 59))
    assert (await _token(client, visit.doctor.username, visit.room)).status_code == 200
    clock.set(START + timedelta(minutes=30 + 60))
    response = await _token(client, visit.doctor.username, visit.room)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "room_closed"


async def test_cancelled_appointment_is_410(
    client: httpx.AsyncClient, db: Database, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        cancelled = await video_visit(session, START, status=AppointmentStatus.cancelled)
    response = await _token(client, cancelled.patient_user.username, cancelled.room)
    assert response.status_code == 410


async def test_in_person_appointment_has_no_room(
    client: httpx.AsyncClient, db: Database, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        in_person = await video_visit(session, START, mode=VisitMode.in_person)
    assert (await _token(client, in_person.doctor.username, in_person.room)).status_code == 404


async def test_malformed_or_unknown_rooms_are_404(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock
) -> None:
    headers = await login(client, visit.doctor.username)
    rooms = ("appointment:not-a-uuid", "lobby:1", "appointment", f"clinic:{visit.appointment.id}")
    for room in rooms:
        response = await client.post(URL, json={"room": room}, headers=headers)
        assert response.status_code == 404, room


async def test_anonymous_caller_is_401(client: httpx.AsyncClient, visit: VideoVisit) -> None:
    assert (await client.post(URL, json={"room": visit.room})).status_code == 401


async def test_join_is_audited_and_recorded_as_participation(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    for _ in range(2):  # a reconnect fetches a second token
        assert (await _token(client, visit.patient_user.username, visit.room)).status_code == 200
    async with seeding(db) as session:
        events = (await session.execute(
            select(AuditEvent).where(AuditEvent.action == "session.join"))).scalars().all()
        [participation] = (await session.execute(select(SessionParticipation))).scalars().all()
    assert len(events) == 2
    assert {(e.actor_user_id, e.resource_type, e.resource_id) for e in events} == {
        (visit.patient_user.id, "Appointment", str(visit.appointment.id))}
    assert events[0].detail == {"room": visit.room, "role": "guest"}
    assert (participation.user_id, participation.role, participation.join_count) == (
        visit.patient_user.id, "guest", 2)


async def test_room_ended_by_the_host_gives_410(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    from telehealth.sessions.service import mark_room_ended

    async with seeding(db) as session:
        await mark_room_ended(session, visit.room, str(visit.doctor.id), room_open.now())
    response = await _token(client, visit.patient_user.username, visit.room)
    assert response.status_code == 410
    assert "kết thúc" in response.json()["error"]["message"]
