"""The registration page: errors shown on the form in the user's language, then logged in."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from telehealth.db import Database
from telehealth.models import User
from tests.fixtures.http import seeding

FORM = {
    "csrf_token": "",
    "full_name": "Lê Văn Hùng",
    "national_id": "008085012345",
    "date_of_birth": "1985-02-03",
    "sex": "male",
    "phone": "0977000111",
    "email": "",
    "health_insurance_number": "",
    "address": "Sơn Dương",
    "password": "mat-khau-du-dai",
    "consent_data_processing": "yes",
    "next": "/book",
}


async def test_register_page_has_unticked_consents(client: httpx.AsyncClient) -> None:
    page = await client.get("/register")
    assert page.status_code == 200
    assert "Đăng ký tài khoản người bệnh" in page.text
    assert 'name="csrf_token"' in page.text
    assert 'name="consent_telemedicine" value="yes" >' in page.text
    assert 'name="consent_data_processing" value="yes" >' in page.text


async def test_bad_form_is_rerendered_with_field_errors_and_422(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await client.post(
        "/register", data={**FORM, "national_id": "0080850123", "consent_data_processing": ""}
    )
    assert response.status_code == 422
    assert "Số CCCD phải gồm đúng 12 chữ số." in response.text
    assert "Bạn cần đồng ý cho phép xử lý dữ liệu cá nhân" in response.text
    assert 'value="Lê Văn Hùng"' in response.text
    assert 'value="mat-khau-du-dai"' not in response.text  # the password is never echoed
    english = await client.post("/register?lang=en", data={**FORM, "phone": "abc"})
    assert english.status_code == 422 and "Invalid phone number" in english.text
    async with seeding(db) as s:
        assert (await s.execute(select(func.count()).select_from(User))).scalar_one() == 0


async def test_registration_logs_in_and_lands_on_booking(client: httpx.AsyncClient) -> None:
    response = await client.post("/register", data=FORM)
    assert response.status_code == 303
    assert response.headers["location"] == "/book?welcome=1"
    landing = await client.get(response.headers["location"])
    assert "Đăng ký thành công" in landing.text and "Lê Văn Hùng" in landing.text
    assert (await client.get("/register")).status_code == 303  # already logged in


async def test_duplicate_phone_on_the_form_is_409(client: httpx.AsyncClient) -> None:
    assert (await client.post("/register", data=FORM)).status_code == 303
    client.cookies.clear()
    again = await client.post("/register", data={**FORM, "national_id": "008085099999"})
    assert again.status_code == 409
    assert "Số điện thoại này đã được đăng ký" in again.text
