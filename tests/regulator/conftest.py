"""The regulator tests' world (see world.py)."""

from __future__ import annotations

import pytest

from telehealth.db import Database
from tests.regulator.world import World, build_world


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)
