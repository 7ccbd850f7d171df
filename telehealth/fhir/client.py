"""An async FHIR R4 client for the health record platform: transactions, search, capabilities.

Every failure is a typed error (telehealth.fhir.errors) that tells the outbox whether to
retry. Patient identifiers never go into URLs: searches use `POST [type]/_search`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.fhir.auth import ClientCredentialsGrant, ClientSecretBasic, TokenCache
from telehealth.fhir.errors import (
    AuthenticationError,
    PermanentFhirError,
    TransientFhirError,
    outcome_text,
)
from telehealth.fhir.validate import validate_bundle

FHIR_JSON = "application/fhir+json"
# Statuses that say "not now" rather than "not this": retried with backoff.
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class FhirClient:
    def __init__(
        self,
        base_url: str,
        *,
        grant: ClientCredentialsGrant | None = None,
        timeout: float = 15.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.grant = grant
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        tokens: TokenCache | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> FhirClient:
        if not settings.vhr_base_url:
            raise ValueError("TELEHEALTH_VHR_BASE_URL is not set")
        grant = None
        if settings.vhr_client_id:
            if not settings.vhr_token_url or settings.vhr_client_secret is None:
                raise ValueError("TELEHEALTH_VHR_TOKEN_URL and _CLIENT_SECRET go with _CLIENT_ID")
            grant = ClientCredentialsGrant(
                settings.vhr_token_url,
                ClientSecretBasic(settings.vhr_client_id, settings.vhr_client_secret),
                clock=clock,
                scope=settings.vhr_scope,
                cache=tokens,
            )
        return cls(
            settings.vhr_base_url, grant=grant, timeout=settings.vhr_timeout_seconds, http=http
        )

    async def __aenter__(self) -> FhirClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def post_transaction(self, bundle: dict[str, Any]) -> dict[str, Any]:
        """Validate, then send a transaction Bundle; the transaction-response Bundle on success."""
        if bundle.get("type") != "transaction":
            raise PermanentFhirError("only transaction Bundles are sent")
        validate_bundle(bundle)
        response = await self._request("POST", "", json=bundle)
        body = _json(response)
        if body.get("resourceType") != "Bundle" or body.get("type") != "transaction-response":
            raise TransientFhirError("the server did not answer with a transaction-response")
        return body

    async def search(self, resource_type: str, params: dict[str, str]) -> dict[str, Any]:
        """A searchset Bundle; parameters go in the body, so identifiers stay out of URLs."""
        response = await self._request("POST", f"{resource_type}/_search", data=params)
        return _json(response)

    async def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        return _json(await self._request("GET", f"{resource_type}/{resource_id}"))

    async def capabilities(self) -> dict[str, Any]:
        return _json(await self._request("GET", "metadata"))

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.base_url}/{path}" if path else self.base_url
        headers = {"Accept": FHIR_JSON}
        if "json" in kwargs:
            headers["Content-Type"] = FHIR_JSON
        response = await self._send(method, url, headers, kwargs)
        if response.status_code == 401 and self.grant:
            # Once: the token may have been revoked or the server restarted and forgotten it.
            self.grant.invalidate(_bearer(headers))
            response = await self._send(method, url, headers, kwargs)
            if response.status_code == 401:
                raise AuthenticationError("the server refused a fresh token", status=401)
        _raise_for_status(response)
        return response

    async def _send(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        if self.grant:
            headers["Authorization"] = "Bearer " + await self.grant.token(self.http)
        try:
            return await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            # The exception text can hold the URL; the class name is enough to act on.
            raise TransientFhirError(f"FHIR server unreachable: {type(exc).__name__}") from exc


def _bearer(headers: dict[str, str]) -> str:
    return headers.get("Authorization", "").removeprefix("Bearer ")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise TransientFhirError("the server answered with something that is not JSON") from exc
    if not isinstance(body, dict):
        raise TransientFhirError("the server answered with JSON that is not a resource")
    return body


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    outcome: dict[str, Any] | None = None
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            outcome = body
    except ValueError:
        pass
    summary = outcome_text(outcome) or response.reason_phrase
    message = f"HTTP {status}: {summary}"
    if status in TRANSIENT_STATUSES or status >= 500:
        raise TransientFhirError(
            message, status=status, outcome=outcome, retry_after=_retry_after(response)
        )
    if status in (401, 403):
        raise AuthenticationError(message, status=status, outcome=outcome)
    raise PermanentFhirError(message, status=status, outcome=outcome)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    # Only the delay-seconds form; an HTTP-date is rare from FHIR servers and backoff covers it.
    return float(value) if value.isdigit() else None
