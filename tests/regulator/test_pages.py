"""The regulator portal's pages and the patient's access-log page, through the web session."""

from __future__ import annotations

import httpx

from tests.fixtures.http import web_login
from tests.regulator.test_audit_search import PURPOSE
from tests.regulator.world import World


async def test_the_report_page_shows_tables_and_server_side_charts(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "so.a")
    page = await client.get("/regulator/reports", params={"period": "2026-Q4"})
    assert page.status_code == 200
    assert "Quý 4/2026" in page.text and "tỉnh Tuyên Quang (Sở Y tế)" in page.text
    assert page.text.count("<svg") == 3 and "<script src=\"http" not in page.text
    assert "Bệnh viện Đa khoa tỉnh Tuyên Quang" in page.text
    assert "Bệnh viện Bạch Mai" not in page.text
    assert "/api/v1/regulator/reports.pdf?period=2026-Q4" in page.text


async def test_the_register_and_an_entry_render(client: httpx.AsyncClient, world: World) -> None:
    await web_login(client, "so.a")
    page = await client.get("/regulator/register", params={"period": "2026-Q4"})
    assert page.status_code == 200 and "4 ca" in page.text and "Chưa gửi" in page.text
    entry = await client.get(f"/regulator/register/{world.consultations['c1']}")
    assert entry.status_code == 200 and "Diễn biến" in entry.text and "Đã gửi" in entry.text
    other = await client.get(f"/regulator/register/{world.consultations['c5']}")
    assert other.status_code == 404


async def test_the_audit_form_asks_for_a_purpose_then_searches(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await web_login(client, "bo")
    form = {"csrf_token": csrf, "national_id": world.national_id, "purpose": ""}
    refused = await client.post("/regulator/audit", data=form)
    assert refused.status_code == 422 and "mục đích" in refused.text
    found = await client.post("/regulator/audit", data={**form, "purpose": PURPOSE})
    assert found.status_code == 200 and "3 bản ghi" in found.text
    exported = await client.post("/regulator/audit/fhir", data={**form, "purpose": PURPOSE})
    assert exported.status_code == 200 and exported.json()["resourceType"] == "Bundle"


async def test_the_integrity_page_runs_the_check(client: httpx.AsyncClient, world: World) -> None:
    csrf = await web_login(client, "so.b")
    page = await client.post("/regulator/integrity", data={"csrf_token": csrf})
    assert page.status_code == 200 and "Nhật ký toàn vẹn." in page.text


async def test_the_patient_page_lists_accesses_and_others_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    await web_login(client, "benhnhan")
    page = await client.get("/access-log")
    assert page.status_code == 200 and "Bệnh viện Bạch Mai" in page.text
    assert (await client.get("/regulator/reports")).status_code == 403
