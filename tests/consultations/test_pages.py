"""The consultation pages, through the real web login, forms and CSRF tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from telehealth.db import Database
from telehealth.models import ConsultationRequest, Patient
from tests.attachments.test_storage import JPEG_BYTES, REFUSED
from tests.consultations.conftest import Network
from tests.fixtures.http import seeding, web_login


@asynccontextmanager
async def browser(app: FastAPI, username: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        csrf = await web_login(c, username)
        yield c, csrf


def _form(net: Network, csrf: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf, "national_id": net.patient_cccd, "consent_obtained": "yes",
        "activity": "remote_imaging", "urgency": "urgent",
        "specialty_id": str(net.cardiology.id), "consulting_facility_id": str(net.district.id),
        "reason": "Nghi viêm phổi", "history": "Ho 5 ngày", "bp_systolic": "130",
        "bp_diastolic": "80", "pulse": "96", "temperature": "38.5", "spo2": "94",
        "diagnosis_codes": "J18.9, R05",
        "questions": "Có tổn thương trên phim không?\nHướng xử trí?",
        "attachment_kind": "xray", "intent": "submit",
    }
    data.update(overrides)
    return data


async def _count(db: Database, model: type) -> int:
    async with seeding(db) as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_station_staff_send_a_request_with_an_xray(
    app: FastAPI, net: Network, db: Database
) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        home = await c.get("/")
        assert 'href="/consultations"' in home.text and "Hội chẩn từ xa" in home.text
        page = await c.get("/consultations/new")
        assert page.status_code == 200
        assert "Tạo yêu cầu hội chẩn" in page.text
        assert f'value="{csrf}"' in page.text
        assert "Hội chẩn chẩn đoán hình ảnh từ xa" in page.text
        # The ICD-10 search box (icd-search.js, shared with the records form) feeds the codes.
        assert 'data-icd-search data-icd-target="diagnosis_codes"' in page.text
        assert '<script src="/static/js/icd-search.js" defer>' in page.text
        sent = await c.post("/consultations/new", data=_form(net, csrf),
                            files={"files": ("phim phổi.jpg", JPEG_BYTES, "image/jpeg")})
        assert sent.status_code == 303, sent.text
        detail = await c.get(sent.headers["location"])
    assert detail.status_code == 200
    assert "Đã gửi" in detail.text
    assert "phim phổi.jpg" in detail.text and "<img src=\"/api/v1/consultations/" in detail.text
    assert "J18.9" in detail.text
    assert "gửi yêu cầu" in detail.text  # the timeline

    async with browser(app, net.usernames["cardio"]) as (c, csrf):
        queue = await c.get("/consultations/queue")
        assert queue.status_code == 200
        assert "Hàng chờ hội chẩn" in queue.text and "Khẩn" in queue.text
        cid = sent.headers["location"].split("/")[2].split("?")[0]
        accepted = await c.post(f"/consultations/{cid}/act/accept",
                                data={"csrf_token": csrf, "note": "Nhận"})
        assert accepted.status_code == 303
        page = await c.get(f"/consultations/{cid}")
        assert "Đã tiếp nhận" in page.text and "Viết biên bản hội chẩn" in page.text


async def test_a_bad_form_shows_errors_and_keeps_nothing(
    app: FastAPI, net: Network, db: Database
) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        response = await c.post(
            "/consultations/new",
            data=_form(net, csrf, national_id="008072001234", full_name="Hoàng Văn Minh",
                       date_of_birth="1972-03-04", sex="male", pulse="720"),
            files={"files": ("x.jpg", JPEG_BYTES, "image/jpeg")},
        )
    assert response.status_code == 422
    assert "Dấu hiệu sinh tồn không hợp lệ" in response.text
    assert 'value="Hoàng Văn Minh"' in response.text  # the form keeps what was typed
    assert await _count(db, ConsultationRequest) == 0
    assert await _count(db, Patient) == 1  # only the seeded patient: the new one rolled back
    store = app.state.settings.data_dir / "attachments" / "objects"
    assert not store.exists() or [p for p in store.rglob("*") if p.is_file()] == []


async def test_a_renamed_executable_is_refused_on_the_form(
    app: FastAPI, net: Network, db: Database
) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        response = await c.post("/consultations/new", data=_form(net, csrf),
                                files={"files": ("xray.jpg", REFUSED["windows_exe"], "image/jpeg")})
    assert response.status_code == 422
    assert "Định dạng tệp không được chấp nhận" in response.text
    assert await _count(db, ConsultationRequest) == 0


async def test_errors_are_shown_in_english_when_chosen(app: FastAPI, net: Network) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        c.cookies.set("lang", "en")
        response = await c.post("/consultations/new", data=_form(net, csrf, consent_obtained="",
                                                                  national_id="001090099999",
                                                                  full_name="Lê Thị Hoa",
                                                                  date_of_birth="1990-01-01",
                                                                  sex="male"))
    assert response.status_code == 422
    assert "The patient&#39;s consent to remote care" in response.text


async def test_an_illegal_action_on_the_page_names_the_state(
    app: FastAPI, net: Network
) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        sent = await c.post("/consultations/new", data=_form(net, csrf))
        cid = sent.headers["location"].split("/")[2].split("?")[0]
        await c.post(f"/consultations/{cid}/act/cancel", data={"csrf_token": csrf,
                                                                "reason": "Không cần nữa"})
    async with browser(app, net.usernames["cardio"]) as (c, csrf):
        response = await c.post(f"/consultations/{cid}/act/accept", data={"csrf_token": csrf})
    assert response.status_code == 422
    assert "trạng thái “Đã huỷ”" in response.text


async def test_pages_are_private(app: FastAPI, net: Network) -> None:
    async with browser(app, net.usernames["requester"]) as (c, csrf):
        sent = await c.post("/consultations/new", data=_form(net, csrf))
        cid = sent.headers["location"].split("/")[2].split("?")[0]
    async with browser(app, net.usernames["outsider"]) as (c, csrf):
        assert (await c.get(f"/consultations/{cid}")).status_code == 404
        missing_csrf = await c.post(f"/consultations/{cid}/act/accept", data={})
        assert missing_csrf.status_code == 403
    async with browser(app, net.usernames["patient"]) as (c, _):
        assert (await c.get("/consultations")).status_code == 403
