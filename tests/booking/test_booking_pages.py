"""The booking pages: browse without an account, log in to book, manage appointments."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
from sqlalchemy import func, select

from telehealth.db import Database
from telehealth.models import Appointment
from tests.booking.world import build_world
from tests.fixtures.http import seeding, web_login

HTML = {"accept": "text/html"}


async def test_visitor_browses_doctors_and_free_slots(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    search = await client.get("/book", params={"q": "tran van minh"})  # without diacritics
    assert search.status_code == 200
    assert (
        "Trần Văn Minh" in search.text
        and f"/book/practitioners/{world.practitioner.id}" in search.text
    )
    slots = await client.get(f"/book/practitioners/{world.practitioner.id}")
    assert slots.status_code == 200
    assert "Thứ Ba, 24/11/2026" in slots.text  # local day of the first slot
    assert ">\n    09:00" in slots.text or "09:00" in slots.text
    assert 'lang="vi"' in slots.text


async def test_booking_asks_a_visitor_to_log_in_and_comes_back(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    confirm_url = f"/book/confirm?slot_id={world.slots[0].id}&mode=video"
    first = await client.get(confirm_url, headers=HTML)
    assert first.status_code == 303
    location = first.headers["location"]
    assert location.startswith("/login?next=")
    back = unquote(location.split("next=", 1)[1])
    login = await client.post(
        "/login",
        data={
            "username": world.patient_user.username,
            "password": "matkhau-test-123",
            "next": back,
        },
    )
    assert login.status_code == 303 and login.headers["location"] == back
    page = await client.get(back)
    assert page.status_code == 200 and "Xác nhận đặt lịch" in page.text
    assert 'name="csrf_token"' in page.text


async def test_patient_books_cancels_through_the_pages(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    csrf = await web_login(client, world.patient_user.username)
    booked = await client.post(
        "/book/confirm",
        data={
            "csrf_token": csrf,
            "slot_id": str(world.slots[0].id),
            "mode": "video",
            "reason": "Ho kéo dài",
        },
    )
    assert booked.status_code == 303
    detail_url = booked.headers["location"]
    detail = await client.get(detail_url)
    assert "Đặt lịch thành công" in detail.text and "Ho kéo dài" in detail.text
    assert "calendar.ics" in detail.text and "Đổi lịch" in detail.text
    mine = await client.get("/appointments")
    assert "Trần Văn Minh" in mine.text and "Sắp tới" in mine.text
    appointment_id = detail_url.split("/")[2].split("?")[0]
    cancelled = await client.post(
        f"/appointments/{appointment_id}/cancel", data={"csrf_token": csrf, "reason": ""}
    )
    assert cancelled.status_code == 303
    assert "Đã hủy lịch hẹn" in (await client.get(cancelled.headers["location"])).text


async def test_taken_slot_rerenders_the_confirm_page_with_409(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, patients=2)
    async with seeding(db) as s:
        s.add(
            Appointment(
                slot_id=world.slots[0].id,
                patient_id=world.patients[1][1].id,
                practitioner_id=world.practitioner.id,
                facility_id=world.facility.id,
                mode="in_person",
                start_at=world.slots[0].start_at,
                end_at=world.slots[0].end_at,
                booked_by_user_id=world.patients[1][0].id,
                created_at=world.slots[0].start_at,
            )
        )
    csrf = await web_login(client, world.patient_user.username)
    await client.get("/lang/en?next=/")
    lost = await client.post(
        "/book/confirm",
        data={"csrf_token": csrf, "slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    assert lost.status_code == 409
    assert "someone else has just booked" in lost.text and 'name="slot_id"' in lost.text
    async with seeding(db) as s:
        assert (await s.execute(select(func.count()).select_from(Appointment))).scalar_one() == 1


async def test_booking_form_without_csrf_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    await web_login(client, world.patient_user.username)
    r = await client.post(
        "/book/confirm", headers=HTML, data={"slot_id": str(world.slots[0].id), "mode": "in_person"}
    )
    assert r.status_code == 403


async def test_reschedule_page_moves_the_booking(client: httpx.AsyncClient, db: Database) -> None:
    world = await build_world(db)
    csrf = await web_login(client, world.patient_user.username)
    booked = await client.post(
        "/book/confirm",
        data={"csrf_token": csrf, "slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    appointment_id = booked.headers["location"].split("/")[2].split("?")[0]
    page = await client.get(f"/appointments/{appointment_id}/reschedule")
    assert page.status_code == 200 and str(world.slots[1].id) in page.text
    assert str(world.slots[0].id) not in page.text  # the current slot is held, so not offered
    moved = await client.post(
        f"/appointments/{appointment_id}/reschedule",
        data={"csrf_token": csrf, "slot_id": str(world.slots[1].id)},
    )
    assert moved.status_code == 303 and "done=rescheduled" in moved.headers["location"]
    assert "Đã đổi lịch hẹn" in (await client.get(moved.headers["location"])).text
