"""Shared fixtures: real databases (SQLite and PostgreSQL), the app, an HTTP client, a clock."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from telehealth.app import create_app
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from tests.fixtures.databases import PostgresTestDatabase, backends, create_sqlite_schema

REDIS_URL = os.environ.get("TELEHEALTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Monday 23 November 2026, 08:00 in Vietnam.
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PostgresTestDatabase]:
    db = PostgresTestDatabase()
    asyncio.run(db.create())
    yield db
    asyncio.run(db.drop())


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/test.sqlite3"
        asyncio.run(create_sqlite_schema(url))
        return url
    pg: PostgresTestDatabase = request.getfixturevalue("pg_database")
    asyncio.run(pg.truncate())
    return pg.url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        run_background_tasks=False,
        redis_url=None,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def db(app: FastAPI) -> Database:
    return app.state.db  # type: ignore[no-any-return]


@pytest.fixture
def redis_prefix() -> str:
    return f"vt-test-{uuid.uuid4().hex[:10]}"
