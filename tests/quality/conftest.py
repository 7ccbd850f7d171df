"""Fixtures of the quality tests: the world of two provinces, seeded once per test."""

from __future__ import annotations

import pytest

from telehealth.db import Database
from tests.fixtures.http import seeding
from tests.quality.world import World, build_world


@pytest.fixture
async def world(db: Database) -> World:
    async with seeding(db) as session:
        return await build_world(session)
