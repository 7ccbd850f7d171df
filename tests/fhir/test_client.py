"""FhirClient against the real test server: transactions, search, errors and OAuth2 tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from telehealth.clock import FrozenClock
from telehealth.fhir.auth import (
    ClientCredentialsGrant,
    ClientSecretBasic,
    ClientSecretPost,
    TokenCache,
)
from telehealth.fhir.client import FhirClient
from telehealth.fhir.errors import (
    AuthenticationError,
    InvalidResourceError,
    PermanentFhirError,
    TransientFhirError,
)
from tests.fixtures.fhir_bundles import SYSTEMS, encounter_summary_bundle
from tests.fixtures.fhir_server import FhirTestServer


class RequestLog:
    """Records the paths an httpx client requested: what the server really received."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    def count(self, path: str) -> int:
        return self.paths.count(path)


@pytest.fixture
def requests() -> RequestLog:
    return RequestLog()


@pytest.fixture
async def http(requests: RequestLog) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10, event_hooks={"request": [requests]}) as client:
        yield client


def make_client(
    server: FhirTestServer,
    clock: FrozenClock,
    http: httpx.AsyncClient,
    *,
    secret: str | None = None,
    cache: TokenCache | None = None,
    post: bool = False,
) -> FhirClient:
    method = ClientSecretPost if post else ClientSecretBasic
    auth = method(server.client_id, server.client_secret if secret is None else secret)
    grant = ClientCredentialsGrant(server.token_url, auth, clock=clock, cache=cache)
    return FhirClient(server.base_url, grant=grant, http=http)


async def test_transaction_is_posted_and_a_resend_creates_nothing_twice(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http)
    bundle = encounter_summary_bundle()

    first = await client.post_transaction(bundle)
    again = await client.post_transaction(bundle)

    assert first["type"] == "transaction-response"
    assert [e["response"]["status"] for e in again["entry"]] == ["200 OK"] * 5
    cccd = bundle["entry"][0]["resource"]["identifier"][0]["value"]
    found = await client.search("Patient", {"identifier": f"{SYSTEMS.cccd}|{cccd}"})
    assert found["total"] == 1


async def test_search_sends_identifiers_in_the_body_not_the_url(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    client = make_client(fhir_server, clock, http)
    await client.search("Patient", {"identifier": f"{SYSTEMS.cccd}|001085012345"})
    assert requests.paths[-1] == "/Patient/_search"


async def test_invalid_resource_is_refused_before_anything_is_sent(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    client = make_client(fhir_server, clock, http)
    bundle = encounter_summary_bundle()
    bundle["entry"][3]["resource"]["period"]["start"] = "23/11/2026"

    with pytest.raises(InvalidResourceError) as caught:
        await client.post_transaction(bundle)

    assert caught.value.problems == [
        "Bundle.entry[3].resource (Encounter): period.start: "
        + caught.value.problems[0].split("period.start: ", 1)[1]
    ]
    assert requests.paths == []


async def test_the_server_also_rejects_what_our_validation_refuses(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http)
    bundle = encounter_summary_bundle()
    bundle["entry"][3]["resource"]["period"]["start"] = "23/11/2026"
    token = await client.grant.token(http)  # type: ignore[union-attr]

    response = await http.post(
        fhir_server.base_url, json=bundle, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert "Bundle.entry[3].resource.period.start" in response.json()["issue"][0]["expression"]


async def test_a_refusal_by_the_server_is_permanent_and_carries_the_outcome(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http)
    bundle = encounter_summary_bundle()
    bundle["entry"][3]["resource"]["subject"] = {"reference": "Patient?identifier=urn:none|x"}

    with pytest.raises(PermanentFhirError) as caught:
        await client.post_transaction(bundle)

    assert caught.value.status == 400
    assert caught.value.outcome is not None
    assert "matches no resource" in str(caught.value)


async def test_token_is_fetched_once_and_reused(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    client = make_client(fhir_server, clock, http)
    for _ in range(3):
        await client.search("Patient", {"identifier": "urn:test|none"})
    assert requests.count("/oauth2/token") == 1


async def test_token_is_refreshed_shortly_before_it_expires(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    client = make_client(fhir_server, clock, http)
    await client.search("Patient", {"identifier": "urn:test|none"})
    # The server's tokens live 300 s; the client refreshes 30 s (a tenth) before.
    clock.advance(timedelta(seconds=269))
    await client.search("Patient", {"identifier": "urn:test|none"})
    assert requests.count("/oauth2/token") == 1
    clock.advance(timedelta(seconds=2))
    await client.search("Patient", {"identifier": "urn:test|none"})
    assert requests.count("/oauth2/token") == 2


async def test_a_token_cache_is_shared_by_successive_clients(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    cache = TokenCache()
    for _ in range(2):
        client = make_client(fhir_server, clock, http, cache=cache)
        await client.search("Patient", {"identifier": "urn:test|none"})
    assert requests.count("/oauth2/token") == 1


async def test_a_rejected_token_is_replaced_once(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient, requests: RequestLog
) -> None:
    client = make_client(fhir_server, clock, http)
    await client.search("Patient", {"identifier": "urn:test|none"})
    fhir_server.restart()  # the platform forgets every token it issued

    result = await client.search("Patient", {"identifier": "urn:test|none"})

    assert result["resourceType"] == "Bundle"
    assert requests.count("/oauth2/token") == 2


async def test_client_secret_post_is_accepted_too(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http, post=True)
    assert (await client.search("Patient", {"identifier": "urn:test|none"}))["total"] == 0


async def test_a_wrong_secret_is_an_authentication_error(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http, secret="wrong")
    with pytest.raises(AuthenticationError, match="invalid_client"):
        await client.search("Patient", {"identifier": "urn:test|none"})


async def test_a_stopped_server_is_a_transient_error(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http)
    await client.search("Patient", {"identifier": "urn:test|none"})
    fhir_server.stop()
    try:
        with pytest.raises(TransientFhirError, match="unreachable"):
            await client.post_transaction(encounter_summary_bundle())
    finally:
        fhir_server.start()


async def test_capabilities_come_from_metadata(
    fhir_server: FhirTestServer, clock: FrozenClock, http: httpx.AsyncClient
) -> None:
    client = make_client(fhir_server, clock, http)
    assert (await client.capabilities())["fhirVersion"] == "4.0.1"
