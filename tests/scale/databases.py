"""Scratch PostgreSQL databases built by the real migrations (`telehealth migrate`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import telehealth.models  # noqa: F401  (the metadata must be complete)
from tests.fixtures.databases import PG_ADMIN_DSN

ROOT = Path(__file__).resolve().parents[2]


def libpq_url(dsn_base: str, name: str) -> str:
    return dsn_base.rsplit("/", 1)[0] + "/" + name


def app_url(libpq: str) -> str:
    return libpq.replace("postgresql://", "postgresql+asyncpg://", 1)


def telehealth_env(**extra: str) -> dict[str, str]:
    """The environment of a `python -m telehealth …` child process of the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEHEALTH_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def migrate(database_url: str) -> None:
    """`telehealth migrate` as an operator runs it, then any table the migrations do not
    create yet (the repository has no revision files while the schema settles; create_all
    skips every table that exists, so this is a no-op once they do)."""
    await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "telehealth", "migrate"], cwd=ROOT, check=True,
        env=telehealth_env(TELEHEALTH_DATABASE_URL=database_url), capture_output=True,
        timeout=180,
    )
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_database(
    *, migrated: bool = True, admin_dsn: str = PG_ADMIN_DSN
) -> AsyncIterator[str]:
    """A fresh database on the server of `admin_dsn`, dropped afterwards; yields its libpq URL."""
    name = f"vt_scale_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = libpq_url(admin_dsn, name)
    try:
        if migrated:
            await migrate(app_url(url))
        yield url
    finally:
        admin = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
