from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from telehealth.config import Settings
from telehealth.db import Database
from tests.fixtures.fhir_server import FhirTestServer, fhir_server, fhir_server_process  # noqa: F401


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings)
    yield db
    await db.dispose()


@pytest.fixture
def vhr_settings(settings: Settings, fhir_server: FhirTestServer) -> Settings:  # noqa: F811
    return settings.model_copy(
        update={
            "vhr_base_url": fhir_server.base_url,
            "vhr_token_url": fhir_server.token_url,
            "vhr_client_id": fhir_server.client_id,
            "vhr_client_secret": fhir_server.client_secret,
        }
    )
