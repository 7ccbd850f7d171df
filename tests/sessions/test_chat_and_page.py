"""Chat history for the room's members, and the session page's answers."""

from __future__ import annotations

from datetime import timedelta

import httpx

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import Role
from telehealth.sessions.platform import DatabasePlatform
from tests.fixtures import factories
from tests.fixtures.http import login, seeding, web_login
from tests.sessions.builders import VideoVisit
from tests.sessions.conftest import START

CHAT = "/api/v1/sessions/chat"


async def test_members_read_chat_history_oldest_first(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    platform = DatabasePlatform(db, room_open)
    for n, text in enumerate(["Chào bác sĩ", "Chào anh"]):
        await platform.store_chat(visit.room, str(visit.patient_user.id), "p", "An", text,
                                  room_open.now() + timedelta(seconds=n))
    headers = await login(client, visit.doctor.username)
    response = await client.get(CHAT, params={"room": visit.room}, headers=headers)
    assert response.status_code == 200
    assert [line["text"] for line in response.json()["lines"]] == ["Chào bác sĩ", "Chào anh"]


async def test_strangers_cannot_read_chat_history(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        stranger = await factories.user(session, Role.patient)
    headers = await login(client, stranger.username)
    response = await client.get(CHAT, params={"room": visit.room}, headers=headers)
    assert response.status_code == 404


async def test_session_page_carries_the_room_and_client(
    client: httpx.AsyncClient, visit: VideoVisit, room_open: FrozenClock
) -> None:
    await web_login(client, visit.patient_user.username)
    page = await client.get(f"/sessions/appointment/{visit.appointment.id}")
    assert page.status_code == 200
    assert '/static/js/session.js' in page.text
    assert visit.room in page.text and '"role": "guest"' in page.text
    assert "Kiểm tra camera và micrô" in page.text
    assert 'id="end"' not in page.text  # only hosts may end the visit


async def test_session_page_explains_a_room_not_open_yet(
    client: httpx.AsyncClient, visit: VideoVisit, clock: FrozenClock
) -> None:
    clock.set(START - timedelta(hours=2))
    await web_login(client, visit.doctor.username)
    page = await client.get(f"/sessions/appointment/{visit.appointment.id}")
    assert page.status_code == 409
    assert "Phòng khám chưa mở" in page.text and "08:15" in page.text


async def test_session_page_redirects_anonymous_visitors_to_login(
    client: httpx.AsyncClient, visit: VideoVisit
) -> None:
    page = await client.get(
        f"/sessions/appointment/{visit.appointment.id}", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


async def test_my_video_visits_lists_a_join_button_once_open(
    client: httpx.AsyncClient, visit: VideoVisit, clock: FrozenClock
) -> None:
    await web_login(client, visit.patient_user.username)
    clock.set(START - timedelta(hours=1))
    page = await client.get("/sessions")
    assert "Mở lúc 08:15" in page.text
    assert f"/sessions/appointment/{visit.appointment.id}" not in page.text
    clock.set(START - timedelta(minutes=5))
    page = await client.get("/sessions")
    assert f'href="/sessions/appointment/{visit.appointment.id}"' in page.text


async def test_my_video_visits_shows_only_my_own(
    client: httpx.AsyncClient, db: Database, visit: VideoVisit, room_open: FrozenClock
) -> None:
    async with seeding(db) as session:
        other = await factories.user(session, Role.patient)
    await web_login(client, other.username)
    page = await client.get("/sessions")
    assert str(visit.appointment.id) not in page.text
    assert "không có buổi khám qua video" in page.text
