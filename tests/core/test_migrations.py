"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import telehealth.models  # noqa: F401
from telehealth.config import Settings
from telehealth.migrate import current_heads, upgrade
from tests.fixtures.databases import PostgresTestDatabase


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def _schema_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


# Database-level protections the model metadata cannot express (compare_metadata ignores them).
EXPECTED_TRIGGERS = {
    "sqlite": {
        "audit_event_no_update",
        "audit_event_no_delete",
        "audit_checkpoint_no_update",
        "audit_checkpoint_no_delete",
        "clinical_document_no_update",
        "clinical_document_no_delete",
    },
    "postgresql": {
        "audit_event_append_only",
        "audit_event_no_truncate",
        "audit_checkpoint_append_only",
        "audit_checkpoint_no_truncate",
        "clinical_document_immutable",
    },
}


def _trigger_names(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return {row[0] for row in connection.exec_driver_sql(sql)}


async def _triggers(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_trigger_names)
    finally:
        await engine.dispose()


def test_there_is_one_migration_head() -> None:
    assert len(current_heads(Settings())) == 1


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    settings = Settings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3"
    )
    upgrade(settings)
    upgrade(settings)  # a second run is a no-op, not an error
    assert asyncio.run(_schema_diff(settings.database_url)) == []
    assert asyncio.run(_triggers(settings.database_url)) == EXPECTED_TRIGGERS["sqlite"]


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql() -> None:
    pg = PostgresTestDatabase()

    async def create_empty() -> None:
        conn = await pg._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{pg.name}"')
        finally:
            await conn.close()

    asyncio.run(create_empty())
    try:
        settings = Settings(environment="test", database_url=pg.url)
        upgrade(settings)
        assert asyncio.run(_schema_diff(pg.url)) == []
        assert asyncio.run(_triggers(pg.url)) == EXPECTED_TRIGGERS["postgresql"]
    finally:
        asyncio.run(pg.drop())
