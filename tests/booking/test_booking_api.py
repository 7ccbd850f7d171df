"""Booking through the API: the journey, the refusals, scope and the calendar file."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import Appointment, AuditEvent, Notification, Role, SlotMode
from tests.booking.world import FIRST_SLOT, add_patient, add_slot, build_world
from tests.fixtures import factories
from tests.fixtures.http import login, seeding


async def _count(db: Database, model: type, *where: object) -> int:
    async with seeding(db) as s:
        return int(
            (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_patient_books_reads_lists_and_cancels(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    headers = await login(client, world.patient_user.username)
    slot = world.slots[0]

    free = await client.get("/api/v1/slots", params={"practitioner_id": str(world.practitioner.id)})
    assert free.status_code == 200
    assert [s["id"] for s in free.json()] == [str(s.id) for s in world.slots]

    booked = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(slot.id), "mode": "video", "reason": "Tái khám tăng huyết áp"},
    )
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert body["status"] == "booked" and body["mode"] == "video"
    assert body["practitioner_name"] == "Trần Văn Minh"
    assert body["specialty_id"] == str(world.specialty.id)  # the doctor's only specialty
    assert body["can_cancel"] is True

    still_free = await client.get(
        "/api/v1/slots", params={"practitioner_id": str(world.practitioner.id)}
    )
    assert str(slot.id) not in [s["id"] for s in still_free.json()]

    mine = await client.get("/api/v1/appointments", headers=headers)
    assert [a["id"] for a in mine.json()] == [body["id"]]
    one = await client.get(f"/api/v1/appointments/{body['id']}", headers=headers)
    assert one.json()["reason"] == "Tái khám tăng huyết áp"

    cancelled = await client.post(
        f"/api/v1/appointments/{body['id']}/cancel", headers=headers, json={"reason": "Bận việc"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/appointments/{body['id']}/cancel", headers=headers)
    assert again.status_code == 409

    kinds = {n.kind for n in await _notifications(db)}
    assert kinds == {"booking.confirmed", "booking.cancelled"}
    actions = await _audit_actions(db)
    assert {
        "appointment.create",
        "appointment.list",
        "appointment.read",
        "appointment.cancel",
    } <= actions


async def _notifications(db: Database) -> list[Notification]:
    async with seeding(db) as s:
        return list((await s.execute(select(Notification))).scalars())


async def _audit_actions(db: Database) -> set[str]:
    async with seeding(db) as s:
        return set((await s.execute(select(AuditEvent.action))).scalars())


async def test_cancelled_slot_can_be_booked_again(client: httpx.AsyncClient, db: Database) -> None:
    world = await build_world(db, patients=2)
    first = await login(client, world.patients[0][0].username)
    second = await login(client, world.patients[1][0].username)
    payload = {"slot_id": str(world.slots[0].id), "mode": "in_person"}
    booked = (await client.post("/api/v1/appointments", headers=first, json=payload)).json()
    assert (
        await client.post("/api/v1/appointments", headers=second, json=payload)
    ).status_code == 409
    await client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=first)
    rebooked = await client.post("/api/v1/appointments", headers=second, json=payload)
    assert rebooked.status_code == 201
    assert await _count(db, Appointment, Appointment.slot_id == world.slots[0].id) == 2


async def test_taken_slot_is_409_with_a_clear_message(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, patients=2)
    payload = {"slot_id": str(world.slots[0].id), "mode": "in_person"}
    await client.post(
        "/api/v1/appointments",
        headers=await login(client, world.patients[0][0].username),
        json=payload,
    )
    loser = await login(client, world.patients[1][0].username)
    # The account's language wins over the browser's: this patient chose English.
    assert (
        await client.patch("/api/v1/patients/me", headers=loser, json={"locale": "en"})
    ).status_code == 200
    lost = await client.post("/api/v1/appointments", json=payload, headers=loser)
    assert lost.status_code == 409
    assert lost.json()["error"]["code"] == "slot_taken"
    assert lost.json()["error"]["message"].startswith("Sorry, someone else has just booked")


async def test_window_refusals_name_the_reason(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    world = await build_world(db, slots=0, booking_min_notice_minutes=60, booking_horizon_days=7)
    async with seeding(db) as s:
        past = await add_slot(s, world.practitioner, clock.now() - timedelta(hours=1))
        soon = await add_slot(s, world.practitioner, clock.now() + timedelta(minutes=30))
        far = await add_slot(s, world.practitioner, clock.now() + timedelta(days=8))
        ok = await add_slot(s, world.practitioner, clock.now() + timedelta(minutes=61))
    headers = await login(client, world.patient_user.username)

    async def code(slot_id: object) -> tuple[int, str]:
        r = await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(slot_id), "mode": "in_person"},
        )
        return r.status_code, r.json().get("error", {}).get("code", "")

    assert await code(past.id) == (409, "slot_past")
    assert await code(soon.id) == (409, "too_late")
    assert await code(far.id) == (409, "too_far")
    assert (await code(ok.id))[0] == 201
    free = await client.get(
        "/api/v1/slots",
        params={
            "practitioner_id": str(world.practitioner.id),
            "to": (clock.now() + timedelta(days=30)).isoformat(),
        },
    )
    assert free.json() == []  # past, too soon and too far are never offered; `ok` is taken


async def test_video_on_an_in_person_only_slot_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=1, mode=SlotMode.in_person)
    headers = await login(client, world.patient_user.username)
    r = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[0].id), "mode": "video"},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "video_not_offered"
    video_only = await client.get(
        "/api/v1/slots", params={"practitioner_id": str(world.practitioner.id), "mode": "video"}
    )
    assert video_only.json() == []


async def test_withdrawn_telemedicine_consent_blocks_new_video_visits(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=2)
    headers = await login(client, world.patient_user.username)
    withdrawn = await client.post(
        "/api/v1/patients/me/consents/telemedicine/withdraw", headers=headers
    )
    assert withdrawn.status_code == 200
    video = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[0].id), "mode": "video"},
    )
    assert video.status_code == 403
    error = video.json()["error"]
    assert error["code"] == "consent_required" and "/consents" in error["message"]
    in_person = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    assert in_person.status_code == 201
    regranted = await client.post(
        "/api/v1/patients/me/consents", headers=headers, json={"kind": "telemedicine"}
    )
    assert regranted.status_code == 201
    video_again = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[1].id), "mode": "video"},
    )
    assert video_again.status_code == 201


async def test_another_patients_appointment_is_404(client: httpx.AsyncClient, db: Database) -> None:
    world = await build_world(db, patients=2)
    owner = await login(client, world.patients[0][0].username)
    other = await login(client, world.patients[1][0].username)
    booked = (
        await client.post(
            "/api/v1/appointments",
            headers=owner,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()
    for path in ("", "/calendar.ics"):
        r = await client.get(f"/api/v1/appointments/{booked['id']}{path}", headers=other)
        assert r.status_code == 404
    cancel = await client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=other)
    assert cancel.status_code == 404
    assert [a["id"] for a in (await client.get("/api/v1/appointments", headers=other)).json()] == []


async def test_staff_read_their_facilitys_appointments_only(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    async with seeding(db) as s:
        elsewhere = await factories.facility(s)
        outsider = await factories.user(s, Role.clinician, facility_id=elsewhere.id)
        admin = await factories.user(s, Role.facility_admin, facility_id=world.facility.id)
    patient = await login(client, world.patient_user.username)
    booked = (
        await client.post(
            "/api/v1/appointments",
            headers=patient,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()
    doctor = await login(client, world.doctor.username)
    assert (
        await client.get(f"/api/v1/appointments/{booked['id']}", headers=doctor)
    ).status_code == 200
    listed = await client.get("/api/v1/appointments", headers=await login(client, admin.username))
    assert [a["id"] for a in listed.json()] == [booked["id"]]
    foreign = await client.get(
        f"/api/v1/appointments/{booked['id']}", headers=await login(client, outsider.username)
    )
    assert foreign.status_code == 404


async def test_wrong_role_is_403(client: httpx.AsyncClient, db: Database) -> None:
    world = await build_world(db)
    async with seeding(db) as s:
        regulator = await factories.user(s, Role.regulator)
    doctor = await login(client, world.doctor.username)
    r = await client.post(
        "/api/v1/appointments",
        headers=doctor,
        json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    assert r.status_code == 403
    assert (
        await client.get("/api/v1/appointments", headers=await login(client, regulator.username))
    ).status_code == 403
    assert (
        await client.post(
            "/api/v1/appointments", json={"slot_id": str(world.slots[0].id), "mode": "video"}
        )
    ).status_code == 401
    assert await _count(db, Appointment) == 0


async def test_malformed_booking_bodies_are_4xx_and_store_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db)
    headers = await login(client, world.patient_user.username)
    slot_id = str(world.slots[0].id)
    bad_bodies = [
        {"slot_id": "not-a-uuid", "mode": "video"},
        {"slot_id": slot_id, "mode": "telepathy"},
        {"slot_id": slot_id, "mode": "video", "reason": "x" * 501},
        {"slot_id": slot_id, "mode": 3},
        {"slot_id": slot_id},
        {"slot_id": slot_id, "mode": "video", "patient_id": "someone-else"},
        [slot_id],
    ]
    for body in bad_bodies:
        r = await client.post("/api/v1/appointments", headers=headers, json=body)
        assert r.status_code == 422, (body, r.text)
    unknown = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": "00000000-0000-0000-0000-000000000001", "mode": "video"},
    )
    assert unknown.status_code == 404
    naive = await client.get(
        "/api/v1/slots",
        params={"facility_id": str(world.facility.id), "from": "2026-11-24T08:00:00"},
    )
    assert naive.status_code == 400
    unfiltered = await client.get("/api/v1/slots")
    assert unfiltered.status_code == 400
    assert await _count(db, Appointment) == 0
    assert await _count(db, Notification) == 0


async def test_cancel_closes_at_the_facility_notice(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    world = await build_world(db, cancel_min_notice_minutes=120)
    headers = await login(client, world.patient_user.username)
    booked = (
        await client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
        )
    ).json()
    clock.set(FIRST_SLOT - timedelta(minutes=119))
    headers = await login(client, world.patient_user.username)  # the first token has expired
    late = await client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "cancel_too_late"
    view = await client.get(f"/api/v1/appointments/{booked['id']}", headers=headers)
    assert view.json()["can_cancel"] is False and view.json()["status"] == "booked"


async def test_patient_cannot_hold_two_overlapping_visits(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, slots=1)
    async with seeding(db) as s:
        other_doctor = await factories.practitioner(s, world.facility.id)
        same_time = await add_slot(s, other_doctor, world.slots[0].start_at)
    headers = await login(client, world.patient_user.username)
    await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    r = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={"slot_id": str(same_time.id), "mode": "in_person"},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlapping"


async def test_patient_without_a_record_cannot_book(
    client: httpx.AsyncClient, db: Database
) -> None:
    world = await build_world(db, patients=0)
    async with seeding(db) as s:
        bare = await factories.user(s, Role.patient)
        await add_patient(s)  # someone else's record must not be picked up
    r = await client.post(
        "/api/v1/appointments",
        headers=await login(client, bare.username),
        json={"slot_id": str(world.slots[0].id), "mode": "in_person"},
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_patient_record"
