"""The outbox job delivering transaction Bundles to the test FHIR server, through outages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import OutboxStatus
from telehealth.outbox.fhir_handler import FHIR_BUNDLE, fhir_bundle_payload
from telehealth.outbox.tasks import OutboxJob
from tests.fixtures.fhir_bundles import SYSTEMS, encounter_summary_bundle
from tests.fixtures.fhir_server import FhirTestServer
from tests.outbox.helpers import enqueue_committed, load, load_all


async def _enqueue_bundle(db: Database, clock: FrozenClock, bundle: dict[str, Any]) -> Any:
    composition = bundle["entry"][4]["resource"]["identifier"]["value"]
    return await enqueue_committed(
        db,
        now=clock.now(),
        kind=FHIR_BUNDLE,
        key=f"test:{composition}",
        payload=fhir_bundle_payload(bundle),
    )


async def _patients_on_server(server: FhirTestServer, cccd: str) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        token = await http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(server.client_id, server.client_secret),
        )
        found = await http.post(
            "/Patient/_search",
            data={"identifier": f"{SYSTEMS.cccd}|{cccd}"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    return int(found.json()["total"])


def _cccd(bundle: dict[str, Any]) -> str:
    return str(bundle["entry"][0]["resource"]["identifier"][0]["value"])


async def test_the_job_delivers_a_bundle_and_keeps_the_platform_locations(
    vhr_settings: Settings, database: Database, clock: FrozenClock, fhir_server: FhirTestServer
) -> None:
    bundle = encounter_summary_bundle()
    message_id = await _enqueue_bundle(database, clock, bundle)

    report = await OutboxJob()(JobContext(database, vhr_settings, clock, None))

    assert report.delivered == 1
    message = await load(database, message_id)
    assert message.status == OutboxStatus.delivered
    assert message.result is not None
    assert [e["location"].split("/")[0] for e in message.result["entries"]] == [
        "Patient",
        "Practitioner",
        "Organization",
        "Encounter",
        "Composition",
    ]
    assert await _patients_on_server(fhir_server, _cccd(bundle)) == 1


async def test_the_job_does_nothing_when_nothing_is_due(
    vhr_settings: Settings, database: Database, clock: FrozenClock
) -> None:
    report = await OutboxJob()(JobContext(database, vhr_settings, clock, None))
    assert report.claimed == report.waiting == 0


async def test_without_a_platform_deliveries_wait_visibly_and_count_no_attempt(
    settings: Settings, database: Database, clock: FrozenClock
) -> None:
    assert settings.vhr_base_url is None
    message_id = await _enqueue_bundle(database, clock, encounter_summary_bundle())
    job = OutboxJob()
    for _ in range(3):
        await job(JobContext(database, settings, clock, None))
        clock.advance(timedelta(minutes=5))

    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.pending, 0)
    assert message.last_error is not None
    assert "TELEHEALTH_VHR_BASE_URL" in message.last_error


async def test_an_outage_keeps_deliveries_pending_and_all_arrive_once_it_is_back(
    vhr_settings: Settings, database: Database, clock: FrozenClock, fhir_server: FhirTestServer
) -> None:
    bundles = [encounter_summary_bundle() for _ in range(5)]
    job = OutboxJob()
    fhir_server.stop()
    try:
        ids = [await _enqueue_bundle(database, clock, b) for b in bundles]
        first = await job(JobContext(database, vhr_settings, clock, None))
        again = await job(JobContext(database, vhr_settings, clock, None))  # nothing due yet
    finally:
        fhir_server.start()

    assert (first.retrying, again.claimed) == (5, 0)
    for message_id in ids:
        message = await load(database, message_id)
        assert (message.status, message.attempts) == (OutboxStatus.pending, 1)
        assert message.last_error is not None and "unreachable" in message.last_error
        assert (
            clock.now()
            < message.next_attempt_at
            <= clock.now() + timedelta(seconds=vhr_settings.outbox_base_delay_seconds)
        )

    clock.advance(timedelta(seconds=vhr_settings.outbox_base_delay_seconds))
    back = await job(JobContext(database, vhr_settings, clock, None))

    assert back.delivered == 5
    assert {m.status for m in await load_all(database)} == {OutboxStatus.delivered}
    for bundle in bundles:
        assert await _patients_on_server(fhir_server, _cccd(bundle)) == 1


async def test_deliveries_are_dead_after_max_attempts_of_an_outage(
    vhr_settings: Settings, database: Database, clock: FrozenClock, fhir_server: FhirTestServer
) -> None:
    settings = vhr_settings.model_copy(update={"outbox_max_attempts": 3})
    message_id = await _enqueue_bundle(database, clock, encounter_summary_bundle())
    job = OutboxJob()
    fhir_server.stop()
    try:
        for _ in range(4):
            await job(JobContext(database, settings, clock, None))
            clock.advance(timedelta(seconds=settings.outbox_max_delay_seconds))
    finally:
        fhir_server.start()

    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.dead, 3)


async def test_an_invalid_bundle_is_dead_at_once_and_never_sent(
    vhr_settings: Settings, database: Database, clock: FrozenClock, fhir_server: FhirTestServer
) -> None:
    bundle = encounter_summary_bundle()
    del bundle["entry"][3]["resource"]["status"]
    message_id = await _enqueue_bundle(database, clock, bundle)

    report = await OutboxJob()(JobContext(database, vhr_settings, clock, None))

    assert report.dead == 1
    message = await load(database, message_id)
    assert message.attempts == 1
    assert message.last_error is not None
    assert "Bundle.entry[3].resource (Encounter): status" in message.last_error
    assert await _patients_on_server(fhir_server, _cccd(bundle)) == 0


async def test_a_refusal_by_the_platform_is_dead_at_once(
    vhr_settings: Settings, database: Database, clock: FrozenClock
) -> None:
    bundle = encounter_summary_bundle()
    bundle["entry"][3]["resource"]["subject"] = {"reference": "Patient?identifier=urn:none|x"}
    message_id = await _enqueue_bundle(database, clock, bundle)

    await OutboxJob()(JobContext(database, vhr_settings, clock, None))

    message = await load(database, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.dead, 1)
    assert message.last_error is not None and message.last_error.startswith("HTTP 400")
