"""The .ics file of an appointment: correct local times, a stable UID, status updates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar

from telehealth.db import Database
from tests.booking.world import build_world
from tests.fixtures.http import login


async def _ics(client: httpx.AsyncClient, appointment_id: str, headers: dict[str, str]) -> Calendar:
    response = await client.get(
        f"/api/v1/appointments/{appointment_id}/calendar.ics", headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    return Calendar.from_ical(response.content)


async def test_calendar_file_has_local_times_and_a_stable_uid(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    headers = await login(client, world.patient_user.username)
    booked = (
        await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()

    first = await _ics(client, booked["id"], headers)
    event = first.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert start == datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert str(event["dtstart"].params["TZID"]) == "Asia/Ho_Chi_Minh"
    assert event.decoded("dtend") - start == world.slots[0].end_at - world.slots[0].start_at
    assert first.walk("VTIMEZONE"), "the TZID must be defined in the file"
    assert "Trần Văn Minh" in str(event["summary"])
    assert "Đường 17/8" in str(event["location"])
    assert str(event["status"]) == "CONFIRMED"

    await client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    again = (await _ics(client, booked["id"], headers)).walk("VEVENT")[0]
    assert str(again["uid"]) == str(event["uid"])
    assert str(again["status"]) == "CANCELLED" and int(again["sequence"]) > int(event["sequence"])
