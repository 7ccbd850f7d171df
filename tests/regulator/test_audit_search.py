"""Searching the audit log by patient needs a purpose, which is itself recorded; the FHIR
export is a valid R4 Bundle of BALP AuditEvents."""

from __future__ import annotations

import httpx
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlmodel import col

from telehealth.db import Database
from telehealth.models import AuditEvent
from tests.fixtures.http import login
from tests.regulator.world import World

PURPOSE = "Thanh tra theo đơn khiếu nại số 12/2026"


async def test_a_patient_search_without_a_purpose_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "bo")
    response = await client.post("/api/v1/regulator/audit-events/search",
                                 json={"national_id": world.national_id, "purpose": "xem"},
                                 headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_patient_search_finds_their_events_and_records_the_purpose(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    headers = await login(client, "bo")
    response = await client.post(
        "/api/v1/regulator/audit-events/search",
        json={"national_id": world.national_id, "purpose": PURPOSE,
              "start": "2026-11-01", "end": "2026-11-30"}, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    assert {i["patient_id"] for i in page["items"]} == {str(world.patient_id)}
    async for s in db.transaction():
        stmt = select(AuditEvent).where(col(AuditEvent.action) == "audit.search")
        [searched] = (await s.execute(stmt)).scalars()
    assert searched.purpose == PURPOSE and searched.patient_id == world.patient_id
    assert searched.actor_user_id == world.users["bo"] and searched.detail["found"] == 3


async def test_the_patient_sees_the_regulators_search_with_its_purpose(
    client: httpx.AsyncClient, world: World
) -> None:
    regulator = await login(client, "so.a")
    await client.post("/api/v1/regulator/audit-events/search",
                      json={"patient_id": str(world.patient_id), "purpose": PURPOSE},
                      headers=regulator)
    patient = await login(client, "benhnhan")
    items = (await client.get("/api/v1/me/access-log", headers=patient)).json()
    assert [(i["role"], i["purpose"]) for i in items if i["action"] == "audit.search"] == [
        ("regulator", PURPOSE)
    ]


async def test_the_fhir_export_is_a_valid_balp_bundle_within_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    response = await client.post("/api/v1/regulator/audit-events/fhir",
                                 json={"start": "2026-11-01", "end": "2026-11-30"},
                                 headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(response.json())
    events = [entry.resource for entry in bundle.entry or []]
    assert events and all(e.get_resource_type() == "AuditEvent" for e in events)
    profiles = {p for e in events for p in (e.meta.profile if e.meta else [])}
    assert "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead" \
        in profiles
    # Only province A's staff: Bạch Mai's read of the same patient is not exported.
    facilities = {
        agent.location.identifier.value
        for e in events for agent in e.agent if agent.location is not None
    }
    assert facilities <= {str(world.facilities["hA"]), str(world.facilities["sA"])}
