"""Who may use the admin API: only facility admins, and only for their own facility."""

from __future__ import annotations

import httpx
import pytest

from telehealth.db import Database
from telehealth.models import Role, ScheduleRule
from tests.admin.conftest import RULE, World
from tests.fixtures import factories
from tests.fixtures.http import login, seeding
from tests.scheduling.helpers import count, rule


async def test_admin_reads_own_practitioner(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}", headers=world.admin_a
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Trần Văn An"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/practitioners/{b}"),
        ("PUT", "/api/v1/admin/practitioners/{b}"),
        ("GET", "/api/v1/admin/practitioners/{b}/rules"),
        ("POST", "/api/v1/admin/practitioners/{b}/rules"),
        ("POST", "/api/v1/admin/practitioners/{b}/deactivate"),
    ],
)
async def test_other_facilitys_practitioner_is_404(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    body = RULE if path.endswith("rules") else {"full_name": "Kẻ lạ"}
    response = await client.request(
        method, path.format(b=world.doctor_b.id), headers=world.admin_a, json=body
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_other_facilitys_rule_is_404_and_untouched(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with seeding(db) as s:
        theirs = await rule(s, world.doctor_b, weekday=4)
    put = await client.put(f"/api/v1/admin/rules/{theirs.id}", headers=world.admin_a, json=RULE)
    delete = await client.delete(f"/api/v1/admin/rules/{theirs.id}", headers=world.admin_a)
    assert (put.status_code, delete.status_code) == (404, 404)
    async with seeding(db) as s:
        stored = await s.get(ScheduleRule, theirs.id)
    assert stored is not None and stored.weekday == 4


@pytest.mark.parametrize("role", [Role.clinician, Role.patient, Role.regulator])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/facility"),
        ("GET", "/api/v1/admin/practitioners"),
        ("POST", "/api/v1/admin/exceptions"),
        ("GET", "/api/v1/admin/conflicts"),
    ],
)
async def test_non_admins_get_403(
    client: httpx.AsyncClient, db: Database, world: World, role: Role, method: str, path: str
) -> None:
    async with seeding(db) as s:
        u = await factories.user(s, role, facility_id=world.facility_a.id)  # type: ignore[attr-defined]
    response = await client.request(method, path, headers=await login(client, u.username), json={})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_anonymous_gets_401(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/api/v1/admin/practitioners")).status_code == 401


async def test_clinician_cannot_create_rules_for_themselves(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    headers = await login(client, "bs.a")
    response = await client.post(
        f"/api/v1/admin/practitioners/{world.doctor_a.id}/rules", headers=headers, json=RULE
    )
    assert response.status_code == 403
    async with seeding(db) as s:
        assert await count(s, ScheduleRule) == 0
