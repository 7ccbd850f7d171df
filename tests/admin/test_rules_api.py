"""Schedule rules and exceptions through the admin API: validation, resync, conflicts, audit."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from telehealth.db import Database
from telehealth.models import AuditEvent, Notification, ScheduleException, ScheduleRule, Slot
from tests.admin.conftest import RULE, World
from tests.fixtures.http import seeding
from tests.scheduling.helpers import book, count, slots_of


async def test_creating_a_rule_materialises_slots_and_is_audited(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    response = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=world.admin_a, json=RULE
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rule"]["weekday"] == 1
    # Tuesdays within 56 days of Monday 23 Nov: 24 Nov … 12 Jan = 8 Tuesdays x 4 slots.
    assert body["sync"] == {"created": 32, "deleted": 0, "conflicts": []}
    async with seeding(db) as s:
        assert await count(s, Slot) == 32
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.action == "schedule_rule.create")))
            .scalars()
            .all()
        )
    assert len(events) == 1 and events[0].detail["slots_created"] == 32


@pytest.mark.parametrize(
    ("change", "key_fragment"),
    [
        ({"end_time": "07:00"}, "phải sau thời điểm bắt đầu"),
        ({"end_time": "09:50", "slot_minutes": 20}, "chia hết"),
        ({"valid_until": "2026-10-01"}, "hết hiệu lực"),
        ({"valid_from": "2031-01-01"}, "quá xa"),
    ],
)
async def test_invalid_rule_is_422_and_stores_nothing(
    client: httpx.AsyncClient,
    db: Database,
    world: World,
    change: dict[str, object],
    key_fragment: str,
) -> None:
    response = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules",
        headers=world.admin_a,
        json={**RULE, **change},
    )
    assert response.status_code == 422
    assert key_fragment in response.json()["error"]["message"]
    async with seeding(db) as s:
        assert (await count(s, ScheduleRule), await count(s, Slot)) == (0, 0)


async def test_malformed_rule_types_are_422(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules",
        headers=world.admin_a,
        json={**RULE, "weekday": 7, "start_time": "25:00", "mode": "phone"},
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["details"]}
    assert fields == {"weekday", "start_time", "mode"}


async def test_overlapping_rule_on_same_weekday_is_refused(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    url = f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules"
    assert (await client.post(url, headers=world.admin_a, json=RULE)).status_code == 201
    overlap = await client.post(
        url + "?lang=en",
        headers=world.admin_a,
        json={**RULE, "start_time": "09:30", "end_time": "11:30"},
    )
    assert overlap.status_code == 422
    assert overlap.json()["error"]["message"] == (
        "This overlaps the 08:00–10:00 rule on the same weekday for this health worker."
    )
    other_day = await client.post(url, headers=world.admin_a, json={**RULE, "weekday": 2})
    adjacent = await client.post(
        url, headers=world.admin_a, json={**RULE, "start_time": "10:00", "end_time": "11:00"}
    )
    assert (other_day.status_code, adjacent.status_code) == (201, 201)
    async with seeding(db) as s:
        assert await count(s, ScheduleRule) == 3


async def test_changing_a_rule_keeps_booked_visit_reports_and_notifies(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    created = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=world.admin_a, json=RULE
    )
    rule_id = created.json()["rule"]["id"]
    async with seeding(db) as s:
        first = (await slots_of(s, world.doctor_a.id))[0]
        appointment = await book(s, first)
    moved = await client.put(
        f"/api/v1/admin/rules/{rule_id}", headers=world.admin_a, json={**RULE, "weekday": 3}
    )
    assert moved.status_code == 200
    sync = moved.json()["sync"]
    assert [c["appointment_id"] for c in sync["conflicts"]] == [str(appointment.id)]
    assert sync["conflicts"][0]["practitioner_name"] == "Trần Văn An"
    assert sync["deleted"] == 31 and sync["created"] == 32
    listed = await client.get("/api/v1/admin/conflicts", headers=world.admin_a)
    assert [c["appointment_id"] for c in listed.json()["conflicts"]] == [str(appointment.id)]
    async with seeding(db) as s:
        assert await s.get(Slot, first.id) is not None
        notes = (await s.execute(select(Notification))).scalars().all()
    assert [n.kind for n in notes] == ["schedule.conflict"]
    assert notes[0].user_id == world.doctor_a.user_id
    assert "1 lịch hẹn" in notes[0].title


async def test_deleting_a_rule_withdraws_its_free_slots(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    created = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=world.admin_a, json=RULE
    )
    response = await client.delete(
        f"/api/v1/admin/rules/{created.json()['rule']['id']}", headers=world.admin_a
    )
    assert response.json() == {"created": 0, "deleted": 32, "conflicts": []}
    async with seeding(db) as s:
        assert (await count(s, ScheduleRule), await count(s, Slot)) == (0, 0)


async def test_facility_holiday_withdraws_slots_and_deleting_it_restores_them(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=world.admin_a, json=RULE
    )
    holiday = await client.post(
        "/api/v1/admin/exceptions",
        headers=world.admin_a,
        json={
            "kind": "holiday",
            "start_at": "2026-12-01T00:00:00",
            "end_at": "2026-12-02T00:00:00",
            "reason": "Nghỉ bù",
        },
    )
    assert holiday.status_code == 201, holiday.text
    assert holiday.json()["sync"]["deleted"] == 4
    exception_id = holiday.json()["exception"]["id"]
    restored = await client.delete(
        f"/api/v1/admin/exceptions/{exception_id}", headers=world.admin_a
    )
    assert restored.json()["created"] == 4
    async with seeding(db) as s:
        assert await count(s, Slot) == 32


@pytest.mark.parametrize(
    "body",
    [
        {
            "kind": "leave",
            "start_at": "2026-12-01T00:00:00+07:00",
            "end_at": "2026-12-02T00:00:00+07:00",
        },
        {
            "kind": "holiday",
            "practitioner_id": "{a}",
            "start_at": "2026-12-01T00:00:00+07:00",
            "end_at": "2026-12-02T00:00:00+07:00",
        },
        {
            "kind": "other",
            "start_at": "2026-12-02T00:00:00+07:00",
            "end_at": "2026-12-01T00:00:00+07:00",
        },
        {
            "kind": "other",
            "start_at": "2026-01-01T00:00:00+07:00",
            "end_at": "2026-01-02T00:00:00+07:00",
        },
        {
            "kind": "leave",
            "practitioner_id": "{b}",
            "start_at": "2026-12-01T00:00:00+07:00",
            "end_at": "2026-12-02T00:00:00+07:00",
        },
    ],
)
async def test_invalid_exceptions_are_refused_and_store_nothing(
    client: httpx.AsyncClient, db: Database, world: World, body: dict[str, str]
) -> None:
    if "practitioner_id" in body:
        body = {
            **body,
            "practitioner_id": body["practitioner_id"].format(
                a=world.doctor_a.id, b=world.doctor_b.id
            ),
        }
    response = await client.post("/api/v1/admin/exceptions", headers=world.admin_a, json=body)
    assert response.status_code in (404, 422)
    async with seeding(db) as s:
        assert await count(s, ScheduleException) == 0
