"""The test FHIR server itself: as strict as a real platform, or the client tests prove nothing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from tests.fixtures.fhir_bundles import SYSTEMS, encounter_summary_bundle
from tests.fixtures.fhir_server import FhirTestServer


@pytest.fixture
async def http(fhir_server: FhirTestServer) -> Any:
    async with httpx.AsyncClient(base_url=fhir_server.base_url, timeout=10) as client:
        token = await client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(fhir_server.client_id, fhir_server.client_secret),
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


async def _count(http: httpx.AsyncClient, resource_type: str, token: str) -> int:
    response = await http.get(f"/{resource_type}", params={"identifier": token})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


async def test_metadata_is_public_and_names_the_token_endpoint(fhir_server: FhirTestServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{fhir_server.base_url}/metadata")
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    assert fhir_server.token_url in str(body["rest"][0]["security"])


async def test_requests_without_a_valid_bearer_token_are_refused(
    fhir_server: FhirTestServer,
) -> None:
    async with httpx.AsyncClient(base_url=fhir_server.base_url) as client:
        missing = await client.get("/Patient")
        forged = await client.get("/Patient", headers={"Authorization": "Bearer forged"})
    assert missing.status_code == forged.status_code == 401
    assert forged.json()["resourceType"] == "OperationOutcome"


async def test_token_endpoint_refuses_a_wrong_secret(fhir_server: FhirTestServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            fhir_server.token_url,
            data={"grant_type": "client_credentials"},
            auth=(fhir_server.client_id, "wrong"),
        )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


async def test_resent_transaction_with_if_none_exist_creates_nothing_twice(
    http: httpx.AsyncClient,
) -> None:
    bundle = encounter_summary_bundle()
    first = await http.post("/", json=bundle)
    second = await http.post("/", json=bundle)

    assert first.status_code == second.status_code == 200, second.text
    assert {e["response"]["status"] for e in first.json()["entry"]} == {"201 Created"}
    assert {e["response"]["status"] for e in second.json()["entry"]} == {"200 OK"}
    assert [e["response"]["location"].split("/_history")[0] for e in first.json()["entry"]] == [
        e["response"]["location"].split("/_history")[0] for e in second.json()["entry"]
    ]
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    assert await _count(http, "Patient", f"{SYSTEMS.cccd}|{cccd}") == 1


async def test_urn_uuid_references_are_rewritten_to_the_created_ids(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/", json=encounter_summary_bundle())
    entries = response.json()["entry"]
    patient_ref = entries[0]["response"]["location"].split("/_history")[0]
    composition = entries[4]["resource"]
    assert composition["subject"]["reference"] == patient_ref
    assert composition["encounter"]["reference"].startswith("Encounter/")


async def test_conditional_reference_resolves_against_the_store(http: httpx.AsyncClient) -> None:
    bundle = encounter_summary_bundle()
    await http.post("/", json=bundle)
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Huyết áp"},
        "subject": {"reference": f"Patient?identifier={SYSTEMS.cccd}|{cccd}"},
    }
    response = await http.post(
        "/",
        json={
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {"resource": observation, "request": {"method": "POST", "url": "Observation"}}
            ],
        },
    )
    assert response.status_code == 200, response.text
    patient = await http.get("/Patient", params={"identifier": f"{SYSTEMS.cccd}|{cccd}"})
    patient_id = patient.json()["entry"][0]["resource"]["id"]
    assert (
        response.json()["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    )


async def test_conditional_reference_resolves_inside_the_bundle(http: httpx.AsyncClient) -> None:
    bundle = encounter_summary_bundle()
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    encounter = bundle["entry"][3]["resource"]
    encounter["subject"] = {"reference": f"Patient?identifier={SYSTEMS.cccd}|{cccd}"}
    response = await http.post("/", json=bundle)
    assert response.status_code == 200, response.text
    entries = response.json()["entry"]
    assert (
        entries[3]["resource"]["subject"]["reference"]
        == (entries[0]["response"]["location"].split("/_history")[0])
    )


async def test_conditional_reference_matching_two_resources_fails(http: httpx.AsyncClient) -> None:
    shared = {"system": "urn:test:shared", "value": "twin"}
    for _ in range(2):
        await http.post("/Patient", json={"resourceType": "Patient", "identifier": [shared]})
    response = await http.post(
        "/",
        json={
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Encounter",
                        "status": "finished",
                        "class": {"code": "VR"},
                        "subject": {"reference": "Patient?identifier=urn:test:shared|twin"},
                    },
                    "request": {"method": "POST", "url": "Encounter"},
                }
            ],
        },
    )
    assert response.status_code == 412
    assert response.json()["issue"][0]["code"] == "multiple-matches"


async def test_if_none_exist_with_two_matches_fails(http: httpx.AsyncClient) -> None:
    shared = {"system": "urn:test:shared", "value": "pair"}
    for _ in range(2):
        await http.post("/Patient", json={"resourceType": "Patient", "identifier": [shared]})
    response = await http.post(
        "/Patient",
        json={"resourceType": "Patient", "identifier": [shared]},
        headers={"If-None-Exist": "identifier=urn:test:shared|pair"},
    )
    assert response.status_code == 412


async def test_invalid_resource_is_rejected_and_nothing_is_written(http: httpx.AsyncClient) -> None:
    bundle = encounter_summary_bundle()
    del bundle["entry"][3]["resource"]["status"]  # Encounter.status is 1..1
    response = await http.post("/", json=bundle)

    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert "Bundle.entry[3].resource.status" in issue["expression"]
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    assert await _count(http, "Patient", f"{SYSTEMS.cccd}|{cccd}") == 0


async def test_a_failing_entry_rolls_back_the_entries_already_applied(
    http: httpx.AsyncClient,
) -> None:
    existing = (
        await http.post("/Patient", json={"resourceType": "Patient", "gender": "female"})
    ).json()
    bundle = encounter_summary_bundle(facility_code=f"R{uuid.uuid4().hex[:6]}")
    # Applied last (PUT after POST), after every create succeeded: a stale version fails it.
    bundle["entry"].append(
        {
            "resource": {**existing, "gender": "male"},
            "request": {
                "method": "PUT",
                "url": f"Patient/{existing['id']}",
                "ifMatch": 'W/"stale"',
            },
        }
    )
    response = await http.post("/", json=bundle)

    assert response.status_code == 412
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    assert await _count(http, "Patient", f"{SYSTEMS.cccd}|{cccd}") == 0
    for entry in bundle["entry"][1:4]:
        ident = entry["resource"]["identifier"][0]
        token = f"{ident['system']}|{ident['value']}"
        assert await _count(http, entry["resource"]["resourceType"], token) == 0
    after = (await http.get(f"/Patient/{existing['id']}")).json()
    assert after["gender"] == "female"
    assert after["meta"]["versionId"] == existing["meta"]["versionId"]


async def test_rolled_back_update_restores_the_identifier_index(http: httpx.AsyncClient) -> None:
    old = {"system": "urn:test:idx", "value": "before"}
    patient = (
        await http.post("/Patient", json={"resourceType": "Patient", "identifier": [old]})
    ).json()
    changed = copy.deepcopy(patient)
    changed["identifier"] = [{"system": "urn:test:idx", "value": "after"}]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": changed, "request": {"method": "PUT", "url": f"Patient/{patient['id']}"}},
            {"request": {"method": "GET", "url": "Patient/does-not-exist"}},
        ],
    }
    response = await http.post("/", json=bundle)

    assert response.status_code == 404
    assert await _count(http, "Patient", "urn:test:idx|before") == 1
    assert await _count(http, "Patient", "urn:test:idx|after") == 0


async def test_search_by_post_finds_by_identifier(http: httpx.AsyncClient) -> None:
    ident = {"system": SYSTEMS.bhyt, "value": "DN4797924000123"}
    await http.post("/Patient", json={"resourceType": "Patient", "identifier": [ident]})
    response = await http.post(
        "/Patient/_search", data={"identifier": f"{ident['system']}|{ident['value']}"}
    )
    assert response.json()["total"] == 1
