"""Fixtures of the live sessions tests: a booked video appointment starting at 08:30 (Vietnam)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from telehealth.clock import FrozenClock
from telehealth.db import Database
from tests.conftest import T0
from tests.fixtures.http import seeding
from tests.sessions.builders import VideoVisit, video_visit

START = T0 + timedelta(minutes=30)  # 08:30 in Vietnam; the room opens at 08:15


@pytest.fixture
async def visit(db: Database) -> VideoVisit:
    async with seeding(db) as session:
        return await video_visit(session, START)


@pytest.fixture
def room_open(clock: FrozenClock) -> FrozenClock:
    """The clock at 08:20, inside the appointment's join window."""
    clock.set(START - timedelta(minutes=10))
    return clock
