"""Refusals leave an audit event written after the request's own transaction rolled back."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlmodel import col

from telehealth.db import Database
from telehealth.ids import new_id
from telehealth.models import Role
from telehealth.models.audit import AuditEvent
from tests.fixtures import factories
from tests.fixtures.http import login, seeding


async def _events(db: Database, action: str) -> list[AuditEvent]:
    found: list[AuditEvent] = []
    async for session in db.transaction():
        stmt = select(AuditEvent).where(col(AuditEvent.action) == action)
        found = list((await session.execute(stmt)).scalars())
    return found


async def _users(db: Database) -> tuple[str, str]:
    async with seeding(db) as s:
        facility = await factories.facility(s)
        await factories.user(s, Role.patient, username="benhnhan.tc")
        await factories.user(s, Role.clinician, facility_id=facility.id, username="bacsi.tc")
    return "benhnhan.tc", "bacsi.tc"


async def test_a_forbidden_request_is_audited_with_its_actor(
    client: httpx.AsyncClient, db: Database
) -> None:
    patient, _ = await _users(db)
    headers = await login(client, patient)
    response = await client.get("/api/v1/consultations", headers=headers)
    assert response.status_code == 403
    [event] = await _events(db, "access.denied")
    assert event.actor_role == "patient" and event.outcome == "denied"
    assert event.detail["status"] == 403 and event.detail["path"] == "/api/v1/consultations"
    assert event.request_id == response.headers["x-request-id"]


async def test_a_not_found_for_scope_is_audited_with_the_resource_asked_for(
    client: httpx.AsyncClient, db: Database
) -> None:
    _, clinician = await _users(db)
    headers = await login(client, clinician)
    wanted = new_id()
    response = await client.get(f"/api/v1/consultations/{wanted}", headers=headers)
    assert response.status_code == 404
    [event] = await _events(db, "access.denied")
    assert event.actor_role == "clinician" and event.detail["params"] == {
        "consultation_id": str(wanted)
    }


async def test_a_refused_token_is_audited_but_an_anonymous_call_is_not(
    client: httpx.AsyncClient, db: Database
) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401
    assert await _events(db, "auth.rejected") == []
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    [event] = await _events(db, "auth.rejected")
    assert event.actor_user_id is None and event.outcome == "failure"
