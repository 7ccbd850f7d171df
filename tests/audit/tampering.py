"""Tampering as an attacker with database access would do it: around the triggers."""

from __future__ import annotations

import sqlite3

import asyncpg

from telehealth.audit.ddl import sqlite_statements
from telehealth.config import Settings

APPEND_ONLY = ("audit_event", "audit_checkpoint")


async def tamper(settings: Settings, *statements: str) -> None:
    """Run SQL with the append-only triggers out of the way (a superuser on PostgreSQL,
    someone who can edit the file on SQLite), then put them back."""
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[1]
        conn = sqlite3.connect(path)
        try:
            for table in APPEND_ONLY:
                conn.execute(f"DROP TRIGGER {table}_no_update")
                conn.execute(f"DROP TRIGGER {table}_no_delete")
            for statement in statements:
                conn.execute(statement)
            for table in APPEND_ONLY:
                for ddl in sqlite_statements(table):
                    conn.execute(ddl)
            conn.commit()
        finally:
            conn.close()
        return
    conn = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for statement in statements:
                await conn.execute(statement)
    finally:
        await conn.close()
