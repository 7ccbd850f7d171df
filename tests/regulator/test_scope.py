"""Each role sees exactly its scope: a province's regulator nothing of another province."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.http import login
from tests.regulator.world import World

Q4 = {"period": "2026-Q4"}


async def _register(client: httpx.AsyncClient, username: str) -> set[str]:
    headers = await login(client, username)
    response = await client.get("/api/v1/regulator/consultations", params=Q4, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def _ids(world: World, *names: str) -> set[str]:
    return {str(world.consultations[n]) for n in names}


async def test_a_provincial_register_holds_only_consultations_of_its_facilities(
    client: httpx.AsyncClient, world: World
) -> None:
    # c4 was asked by a station of A from a hospital of B: both provinces see it.
    assert await _register(client, "so.a") == _ids(world, "c1", "c2", "c3", "c4")
    assert await _register(client, "so.b") == _ids(world, "c4", "c5")
    assert await _register(client, "bo") == _ids(world, "c1", "c2", "c3", "c4", "c5")


async def test_another_provinces_entry_is_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    c5 = world.consultations["c5"]
    assert (await client.get(f"/api/v1/regulator/consultations/{c5}",
                             headers=headers)).status_code == 404
    response = await client.get(f"/api/v1/regulator/consultations/{world.consultations['c1']}",
                                headers=headers)
    assert response.status_code == 200
    entry = response.json()
    assert entry["row"]["delivery"] == "delivered"
    assert [t["action"] for t in entry["timeline"]] == ["submit"]


async def test_another_provinces_facility_is_not_found_in_any_view(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    hb = str(world.facilities["hB"])
    register = await client.get("/api/v1/regulator/consultations",
                                params={**Q4, "facility_id": hb}, headers=headers)
    assert register.status_code == 404
    search = await client.post("/api/v1/regulator/audit-events/search",
                               json={"facility_id": hb}, headers=headers)
    assert search.status_code == 404
    report = (await client.get("/api/v1/regulator/reports", params=Q4, headers=headers)).json()
    names = {row["name"] for row in report["facilities"]}
    assert names == {"Bệnh viện Đa khoa tỉnh Tuyên Quang", "Trạm Y tế xã Tràng Đà"}
    assert [row["key"] for row in report["provinces"]] == ["08"]


async def test_a_provincial_audit_search_sees_only_its_staff(
    client: httpx.AsyncClient, world: World
) -> None:
    async def actions(username: str) -> list[tuple[str, str | None]]:
        headers = await login(client, username)
        response = await client.post("/api/v1/regulator/audit-events/search",
                                     json={"action": "patient.read"}, headers=headers)
        assert response.status_code == 200
        return [(i["action"], i["facility_name"]) for i in response.json()["items"]]

    assert await actions("so.a") == [("patient.read", "Bệnh viện Đa khoa tỉnh Tuyên Quang")]
    assert await actions("so.b") == [("patient.read", "Bệnh viện Bạch Mai")]
    assert len(await actions("bo")) == 2


@pytest.mark.parametrize("username", ["benhnhan", "staff.ha"])
async def test_patients_and_staff_are_refused_the_regulator_api(
    client: httpx.AsyncClient, world: World, username: str
) -> None:
    headers = await login(client, username)
    for method, path in (("GET", "/api/v1/regulator/consultations"),
                         ("GET", "/api/v1/regulator/reports"),
                         ("POST", "/api/v1/regulator/audit-events/search"),
                         ("POST", "/api/v1/regulator/integrity-check")):
        response = await client.request(method, path, headers=headers, json={})
        assert response.status_code == 403, path


async def test_a_patient_sees_who_accessed_their_record_and_nothing_else(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "benhnhan")
    response = await client.get("/api/v1/me/access-log", headers=headers)
    assert response.status_code == 200
    items = response.json()
    # Both hospitals' reads of this patient; not their own booking, not another patient's.
    assert sorted((i["facility"], i["action"]) for i in items) == [
        ("Bệnh viện Bạch Mai", "patient.read"),
        ("Bệnh viện Đa khoa tỉnh Tuyên Quang", "patient.read"),
    ]
    staff = await login(client, "staff.ha")
    assert (await client.get("/api/v1/me/access-log", headers=staff)).status_code == 403


async def test_the_integrity_check_reports_an_intact_log_and_the_public_key(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    response = await client.post("/api/v1/regulator/integrity-check", headers=headers)
    assert response.status_code == 200
    result = response.json()
    assert result["intact"] is True and result["entries"] >= 4
    assert result["checkpoint_key_id"].startswith("audit-") and result["first_problem"] is None
