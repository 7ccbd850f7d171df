"""Connection-check fixtures: loopback-only ICE, and users at two facilities."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import Role
from tests.fixtures import factories
from tests.fixtures.http import login, seeding


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No STUN: the tests run on loopback, and an unreachable STUN server would add its
    # 5 s gathering timeout to every answer.
    return settings.model_copy(update={"stun_urls": [], "turn_urls": []})


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    username: str
    facility_id: uuid.UUID | None


@dataclass(frozen=True)
class People:
    clinician: Person
    colleague: Person  # another clinician at the same facility
    admin: Person  # facility admin of the clinicians' facility
    other_admin: Person  # facility admin of another facility
    patient: Person
    regulator: Person


@pytest.fixture
async def people(db: Database) -> People:
    async with seeding(db) as session:
        station = await factories.facility(session)
        elsewhere = await factories.facility(session)

        async def person(role: Role, facility_id: uuid.UUID | None = None, **kw: str) -> Person:
            user = await factories.user(session, role, facility_id=facility_id, **kw)
            return Person(user.id, user.username, facility_id)

        return People(
            clinician=await person(Role.clinician, station.id),
            colleague=await person(Role.clinician, station.id),
            admin=await person(Role.facility_admin, station.id),
            other_admin=await person(Role.facility_admin, elsewhere.id),
            patient=await person(Role.patient),
            regulator=await person(Role.regulator, jurisdiction_province_code="08"),
        )


Bearer = Callable[[Person], Awaitable[dict[str, str]]]


@pytest.fixture
def bearer(client: httpx.AsyncClient) -> Bearer:
    """Bearer headers for a person, logging in once per test."""
    cache: dict[str, dict[str, str]] = {}

    async def headers(person: Person) -> dict[str, str]:
        if person.username not in cache:
            cache[person.username] = await login(client, person.username)
        return cache[person.username]

    return headers
