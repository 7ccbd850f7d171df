"""The `fhir.bundle` delivery: a transaction Bundle posted to the health record platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.fhir.auth import TokenCache
from telehealth.fhir.client import FhirClient
from telehealth.fhir.errors import PermanentFhirError, TransientFhirError
from telehealth.outbox.dispatcher import DeliveryHandler
from telehealth.outbox.errors import PermanentDeliveryError, TransientDeliveryError

FHIR_BUNDLE = "fhir.bundle"
NOT_CONFIGURED = "waiting: no health record platform configured (TELEHEALTH_VHR_BASE_URL)"


def fhir_bundle_payload(bundle: dict[str, Any]) -> dict[str, Any]:
    """The payload to enqueue for a transaction Bundle."""
    return {"bundle": bundle}


class FhirBundleHandler:
    def __init__(self, client: FhirClient) -> None:
        self.client = client

    async def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.client.post_transaction(payload["bundle"])
        except TransientFhirError as exc:
            raise TransientDeliveryError(str(exc), retry_after=exc.retry_after) from exc
        except PermanentFhirError as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        # The platform's ids for what we sent, for links back to the national record.
        return {
            "entries": [
                {
                    "status": entry.get("response", {}).get("status"),
                    "location": entry.get("response", {}).get("location"),
                }
                for entry in response.get("entry") or []
            ]
        }


@asynccontextmanager
async def delivery_handlers(
    settings: Settings, clock: Clock, tokens: TokenCache
) -> AsyncIterator[tuple[dict[str, DeliveryHandler], dict[str, str]]]:
    """The handlers by kind for one dispatch run, and the kinds that must wait (with why).

    The HTTP client lives for the run only; the token cache outlives it, so a worker asks
    the platform for a token once per token lifetime, not once per run.
    """
    if not settings.vhr_base_url:
        yield {}, {FHIR_BUNDLE: NOT_CONFIGURED}
        return
    async with FhirClient.from_settings(settings, clock=clock, tokens=tokens) as client:
        yield {FHIR_BUNDLE: FhirBundleHandler(client)}, {}
