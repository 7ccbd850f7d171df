"""The /connection-check page: who sees it, in which language, with what the script needs."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx

from telehealth.db import Database
from telehealth.models import ConnectionCheck, ConnectionVerdict
from tests.conftest import T0
from tests.connectivity.conftest import People
from tests.fixtures.http import seeding, web_login


def script_config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="cc-config">(.*?)</script>', html, re.S)
    assert match is not None
    loaded = json.loads(match.group(1))
    assert isinstance(loaded, dict)
    return loaded


async def test_the_page_explains_the_check_in_vietnamese_and_configures_the_script(
    client: httpx.AsyncClient, people: People
) -> None:
    await web_login(client, people.clinician.username)
    response = await client.get("/connection-check")
    assert response.status_code == 200
    assert "<h1 id=\"cc-title\">Kiểm tra đường truyền</h1>" in response.text
    assert 'href="/connection-check" aria-current="page"' in response.text  # in the nav
    config = script_config(response.text)
    assert config["offer_url"] == "/api/v1/connectivity/offer"
    assert config["ice_servers"] == []  # the tests configure no STUN or TURN
    messages = config["messages"]
    assert isinstance(messages, dict)
    assert messages["connectivity.verdict.audio_only.title"] == (
        "Đường truyền chỉ đủ cho gọi thoại — hãy dùng chế độ chỉ âm thanh"
    )


async def test_the_page_is_in_english_on_request(client: httpx.AsyncClient, people: People) -> None:
    await web_login(client, people.patient.username)
    response = await client.get("/connection-check?lang=en")
    assert "<h1 id=\"cc-title\">Connection check</h1>" in response.text
    messages = script_config(response.text)["messages"]
    assert isinstance(messages, dict)
    assert messages["connectivity.problems.ice_failed"].startswith("No connection")


async def test_anonymous_visitors_are_sent_to_log_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/connection-check", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fconnection-check"


async def test_a_facility_admin_sees_who_ran_the_facilitys_checks(
    client: httpx.AsyncClient, db: Database, people: People
) -> None:
    async with seeding(db) as session:
        session.add(ConnectionCheck(
            user_id=people.clinician.user_id, facility_id=people.clinician.facility_id,
            started_at=T0 - timedelta(hours=1), rtt_ms=420.4, loss_percent=1.25,
            bitrate_kbps=1310.0, verdict=ConnectionVerdict.audio_only,
        ))
    await web_login(client, people.admin.username)
    page = (await client.get("/connection-check")).text
    assert "Kết quả gần đây tại cơ sở" in page
    assert "Người kiểm tra" in page
    assert "<td>420 ms</td>" in page and "<td>1,2 %</td>" in page
    assert "<td>1.310 kbit/s</td>" in page  # Vietnamese number format
    assert '<span class="badge warn">Chỉ đủ gọi thoại</span>' in page
