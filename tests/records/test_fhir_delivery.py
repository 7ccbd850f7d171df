"""Signed documents reach the test FHIR server (tests/fhir_server) as valid, findable resources,
exactly once, through outages and re-sends; an invalid one dead-letters before sending."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.fhir.client import FhirClient
from telehealth.fhir.identifiers import IdentifierSystems, search_token, uuid_identifier
from telehealth.jobs import JobContext
from telehealth.models import OutboxMessage, OutboxStatus
from telehealth.outbox.tasks import OutboxJob
from telehealth.records.bundle import derived_id
from tests.fixtures.fhir_server import FhirTestServer
from tests.fixtures.http import web_login
from tests.records.conftest import Api, accepted_request, signed_minutes


async def _deliver(db: Database, settings: Settings, clock: FrozenClock) -> Any:
    return await OutboxJob()(JobContext(db, settings, clock, None))


async def _count(settings: Settings, clock: FrozenClock, resource_type: str,
                 **params: str) -> int:
    async with FhirClient.from_settings(settings, clock=clock) as client:
        found = await client.search(resource_type, params)
    return int(found["total"])


async def _message(db: Database, message_id: str) -> OutboxMessage:
    async for session in db.transaction():
        found = await session.get(OutboxMessage, uuid.UUID(message_id))
    assert found is not None
    return found


async def test_signed_minutes_arrive_as_resources_findable_by_identifier(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)

    report = await _deliver(db, vhr_settings, clock)

    assert report.delivered == 1
    message = await _message(db, signed["delivery"]["message_id"])
    assert message.status == OutboxStatus.delivered
    assert message.result is not None
    types = [e["location"].split("/")[0] for e in message.result["entries"]]
    # Practitioners: the author (chair) and the requester, who has a practitioner profile.
    assert types == ["Patient", "Organization", "Organization", "Practitioner", "Practitioner",
                     "ServiceRequest", "Condition", "Condition", "Encounter", "Composition",
                     "DocumentReference", "Provenance"]
    systems = IdentifierSystems.from_settings(vhr_settings)
    assert await _count(vhr_settings, clock, "Patient",
                        identifier=f"{systems.cccd}|{api.net.patient_cccd}") == 1
    encounter = uuid_identifier(derived_id("encounter", f"consultation:{cid}"))
    assert await _count(vhr_settings, clock, "Encounter", identifier=search_token(encounter)) == 1
    composition = uuid_identifier(uuid.UUID(signed["id"]))
    assert await _count(vhr_settings, clock, "Composition",
                        identifier=search_token(composition)) == 1
    shown = (await api.get("cardio", f"/records/{signed['id']}")).json()
    assert shown["delivery"]["status"] == "delivered"


async def test_a_resent_bundle_creates_nothing_twice(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)
    await _deliver(db, vhr_settings, clock)
    bundle = (await _message(db, signed["delivery"]["message_id"])).payload["bundle"]

    async with FhirClient.from_settings(vhr_settings, clock=clock) as client:
        again = await client.post_transaction(bundle)

    assert {e["response"]["status"] for e in again["entry"]} == {"200 OK"}
    assert await _count(vhr_settings, clock, "Provenance",
                        _tag=f"urn:vtelehealth:provenance|urn:uuid:{signed['id']}") == 1
    systems = IdentifierSystems.from_settings(vhr_settings)
    assert await _count(vhr_settings, clock, "Patient",
                        identifier=f"{systems.cccd}|{api.net.patient_cccd}") == 1


async def test_a_correction_arrives_as_a_new_composition_replacing_the_first(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    cid = await accepted_request(api)
    first = await signed_minutes(api, cid)
    second = await signed_minutes(api, cid, conclusion="Nhồi máu cơ tim cấp thành sau dưới.")
    report = await _deliver(db, vhr_settings, clock)

    assert (report.delivered, second["replaces_id"]) == (2, first["id"])
    bundle = (await _message(db, second["delivery"]["message_id"])).payload["bundle"]
    composition = next(e["resource"] for e in bundle["entry"]
                       if e["resource"]["resourceType"] == "Composition")
    assert composition["status"] == "amended"
    assert composition["relatesTo"][0]["targetIdentifier"]["value"] == f"urn:uuid:{first['id']}"
    encounter = uuid_identifier(derived_id("encounter", f"consultation:{cid}"))
    assert await _count(vhr_settings, clock, "Encounter", identifier=search_token(encounter)) == 1


async def test_an_invalid_resource_is_caught_before_sending_and_dead_letters(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)
    async for session in db.transaction():
        message = await session.get(OutboxMessage, uuid.UUID(signed["delivery"]["message_id"]))
        assert message is not None
        bundle = copy.deepcopy(message.payload["bundle"])
        encounter = next(e["resource"] for e in bundle["entry"]
                         if e["resource"]["resourceType"] == "Encounter")
        encounter["period"]["start"] = "not a date"  # a mapping bug, forced
        message.payload = {"bundle": bundle}

    report = await _deliver(db, vhr_settings, clock)

    assert report.dead == 1
    dead = await _message(db, signed["delivery"]["message_id"])
    assert dead.status == OutboxStatus.dead
    assert dead.last_error is not None
    assert "(Encounter): period.start" in dead.last_error
    composition = uuid_identifier(uuid.UUID(signed["id"]))
    assert await _count(vhr_settings, clock, "Composition",
                        identifier=search_token(composition)) == 0  # nothing was sent
    shown = (await api.get("cardio", f"/records/{signed['id']}")).json()
    assert shown["delivery"]["status"] == "dead"
    assert "period.start" in shown["delivery"]["last_error"]


async def test_with_the_server_down_deliveries_stay_pending_and_all_arrive_later(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    fhir_server.stop()
    try:
        signed = [await signed_minutes(api, await accepted_request(api)) for _ in range(3)]
        down = await _deliver(db, vhr_settings, clock)
        states = [(await api.get("cardio", f"/records/{s['id']}")).json()["delivery"]
                  for s in signed]
    finally:
        fhir_server.start()
    assert down.retrying == 3
    assert {s["status"] for s in states} == {"failed"}
    assert all("unreachable" in s["last_error"] for s in states)

    clock.advance(timedelta(seconds=vhr_settings.outbox_base_delay_seconds + 1))
    back = await _deliver(db, vhr_settings, clock)

    assert back.delivered == 3
    async for session in db.transaction():
        statuses = (await session.execute(select(col(OutboxMessage.status)))).scalars().all()
    assert list(statuses) == [OutboxStatus.delivered] * 3
    for s in signed:
        composition = uuid_identifier(uuid.UUID(s["id"]))
        assert await _count(vhr_settings, clock, "Composition",
                            identifier=search_token(composition)) == 1


async def test_a_dead_delivery_is_retried_by_its_author(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)
    async for session in db.transaction():
        message = await session.get(OutboxMessage, uuid.UUID(signed["delivery"]["message_id"]))
        assert message is not None
        message.status = OutboxStatus.dead
        message.attempts = 12
        message.last_error = "HTTP 503: out of attempts"

    assert (await api.post("requester", f"/records/{signed['id']}/delivery/retry")
            ).status_code == 404
    retried = await api.post("cardio", f"/records/{signed['id']}/delivery/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    assert (await _deliver(db, vhr_settings, clock)).delivered == 1
    again = await api.post("district_admin", f"/records/{signed['id']}/delivery/retry")
    assert again.status_code == 409  # already delivered


async def test_authors_and_facility_admins_list_the_write_backs_that_need_them(
    api: Api, db: Database, vhr_settings: Settings, clock: FrozenClock,
    fhir_server: FhirTestServer,
) -> None:
    dead, failing, fine = [await signed_minutes(api, await accepted_request(api))
                           for _ in range(3)]
    async for session in db.transaction():
        for signed, status, attempts in ((dead, OutboxStatus.dead, 12),
                                         (failing, OutboxStatus.pending, 2)):
            message = await session.get(OutboxMessage,
                                        uuid.UUID(signed["delivery"]["message_id"]))
            assert message is not None
            message.status, message.attempts = status, attempts
            message.last_error = "HTTP 503: platform down"

    for who in ("cardio", "district_admin"):  # the author; the facility's administrator
        listed = await api.get(who, "/records/undelivered")
        assert listed.status_code == 200, listed.text
        states = {d["id"]: d["delivery"]["status"] for d in listed.json()}
        assert states == {dead["id"]: "dead", failing["id"]: "failed"}, who
        assert fine["id"] not in states  # not tried yet: not a problem
    # Not theirs: a colleague of the author, the requesting station, another facility's admin.
    for who in ("cardio2", "requester", "province_admin"):
        listed = await api.get(who, "/records/undelivered")
        assert listed.status_code == 200 and listed.json() == [], who
    for who in ("patient", "regulator"):  # roles that do not follow write-backs
        refused = await api.get(who, "/records/undelivered")
        assert refused.status_code == 403, who
        assert refused.json()["error"]["code"] == "forbidden"
        assert refused.json()["error"]["message"] == "Chức năng này không dành cho vai trò của bạn."

    csrf = await web_login(api.client, api.net.usernames["district_admin"])
    assert csrf
    page = await api.client.get("/records?delivery=undelivered")
    assert page.status_code == 200
    assert "Chưa gửi được lên hệ thống hồ sơ sức khỏe (2)" in page.text
    assert f"/records/{dead['id']}" in page.text and f"/records/{failing['id']}" in page.text
    assert f"/records/{fine['id']}" not in page.text
    everything = await api.client.get("/records")
    assert f"/records/{fine['id']}" in everything.text
    bad = await api.client.get("/records?delivery=stuck")  # not a filter we have
    assert bad.status_code == 422
    assert "Dữ liệu nhập chưa hợp lệ" in bad.text

    # Retried and delivered: off the list.
    assert (await api.post("district_admin", f"/records/{dead['id']}/delivery/retry")
            ).status_code == 200
    clock.advance(timedelta(hours=2))
    assert (await _deliver(db, vhr_settings, clock)).delivered == 3  # with the untried one
    assert (await api.get("cardio", "/records/undelivered")).json() == []
    page = await api.client.get("/records?delivery=undelivered")
    assert "Không có tài liệu nào gửi lỗi" in page.text
