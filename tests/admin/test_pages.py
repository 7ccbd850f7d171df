"""The facility admin pages: Vietnamese by default, CSRF on every form, errors re-rendered."""

from __future__ import annotations

import html

import httpx
from sqlalchemy import select

from telehealth.db import Database
from telehealth.models import Practitioner, ScheduleRule, User
from tests.admin.conftest import World
from tests.fixtures.http import seeding, web_login
from tests.scheduling.helpers import count

HTML = {"accept": "text/html"}


async def test_overview_lists_team_and_forms_carry_csrf(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    page = await client.get("/admin/facility", headers=HTML)
    assert page.status_code == 200
    assert "Bệnh viện A" in page.text and "Trần Văn An" in page.text
    assert "Quy định đặt lịch" in page.text
    forms = page.text.count('<form method="post"')
    assert forms > 3 and page.text.count(f'name="csrf_token" value="{csrf}"') == forms


async def test_adding_a_practitioner_through_the_form(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    response = await client.post(
        "/admin/facility/practitioners",
        data={
            "csrf_token": csrf,
            "username": "bs.le.binh",
            "password": "mat-khau-moi-1",
            "full_name": "Lê Thị Bình",
            "title": "ThS.BS",
            "practice_scope": "Khám bệnh, chữa bệnh chuyên khoa Nội",
            "practice_certificate_number": "004321/tq-cchn",
            "specialty_ids": [str(world.internal.id)],
            "accepts_online_booking": "on",
        },
    )
    assert response.status_code == 303
    async with seeding(db) as s:
        user = (await s.execute(select(User).where(User.username == "bs.le.binh"))).scalar_one()
        doc = (
            await s.execute(select(Practitioner).where(Practitioner.user_id == user.id))
        ).scalar_one()
    assert doc.practice_certificate_number == "004321/TQ-CCHN"
    assert user.role == "clinician" and user.facility_id == world.facility_a.id  # type: ignore[attr-defined]
    page = await client.get(response.headers["location"], headers=HTML)
    assert "Đã tạo tài khoản" in page.text


async def test_duplicate_username_rerenders_the_form_in_english_without_password(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    await client.get("/lang/en?next=/")
    response = await client.post(
        "/admin/facility/practitioners",
        headers=HTML,
        data={
            "csrf_token": csrf,
            "username": "bs.a",
            "password": "bi-mat-khong-lo",
            "full_name": "Người Trùng Tên",
            "practice_certificate_number": "009999/TQ-CCHN",
        },
    )
    assert response.status_code == 409
    assert 'The username "bs.a" is already taken.' in html.unescape(response.text)
    assert 'value="Người Trùng Tên"' in response.text
    assert "bi-mat-khong-lo" not in response.text
    async with seeding(db) as s:
        assert await count(s, Practitioner) == 2


async def test_invalid_rule_form_shows_the_error_and_stores_nothing(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    response = await client.post(
        f"/admin/facility/practitioners/{world.doctor_a.id}/rules",
        headers=HTML,
        data={
            "csrf_token": csrf,
            "weekday": "2",
            "mode": "video",
            "start_time": "13:30",
            "end_time": "16:00",
            "slot_minutes": "20",
            "valid_from": "2026-11-23",
            "valid_until": "",
        },
    )
    assert response.status_code == 422
    assert "Khung giờ dài 150 phút không chia hết cho lượt khám 20 phút." in response.text
    assert 'value="13:30"' in response.text  # the entered values are kept
    async with seeding(db) as s:
        assert await count(s, ScheduleRule) == 0


async def test_valid_rule_form_creates_slots_and_redirects(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    response = await client.post(
        f"/admin/facility/practitioners/{world.doctor_a.id}/rules",
        data={
            "csrf_token": csrf,
            "weekday": "2",
            "mode": "video",
            "start_time": "13:30",
            "end_time": "16:00",
            "slot_minutes": "30",
            "valid_from": "2026-11-23",
        },
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"], headers=HTML)
    assert "Thứ Tư" in page.text and "13:30–16:00" in page.text and "Khám qua video" in page.text


async def test_other_facilitys_practitioner_page_is_404(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "qt.a")
    response = await client.get(f"/admin/facility/practitioners/{world.doctor_b.id}", headers=HTML)
    assert response.status_code == 404
    assert "Không tìm thấy nhân viên y tế này" in response.text


async def test_holiday_form_with_dates_only_covers_whole_days(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    csrf = await web_login(client, "qt.a")
    response = await client.post(
        "/admin/facility/exceptions",
        data={
            "csrf_token": csrf,
            "kind": "holiday",
            "practitioner_id": "",
            "start_date": "2026-12-31",
            "end_date": "2027-01-01",
            "reason": "Tết Dương lịch",
        },
    )
    assert response.status_code == 303
    page = await client.get("/admin/facility", headers=HTML)
    assert "00:00 31/12/2026 → 00:00 02/01/2027" in page.text


async def test_clinician_cannot_open_admin_pages(client: httpx.AsyncClient, world: World) -> None:
    await web_login(client, "bs.a")
    response = await client.get("/admin/facility", headers=HTML)
    assert response.status_code == 403
