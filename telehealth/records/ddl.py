"""Database-level immutability of signed documents (PostgreSQL and SQLite triggers).

Every `clinical_document` row is a signed version, so the table refuses UPDATE and DELETE
outright; the service never tries either, and the triggers stop anything else that would
(a script, a bug, a hand-written SQL statement). The Alembic migration must create the same
objects (`postgresql_statements()` / `sqlite_statements()`); the `after_create` listeners
put them on schemas built with `create_all` (tests, benchmarks).
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION clinical_document_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'clinical_document rows are signed and immutable: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

POSTGRESQL_DDL = (
    POSTGRESQL_FUNCTION,
    "CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION clinical_document_immutable()",
)

SQLITE_DDL = (
    "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are signed and immutable: UPDATE refused'); END",
    "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{table} rows are signed and immutable: DELETE refused'); END",
)


def postgresql_statements(table: str) -> list[str]:
    return [statement.format(table=table) for statement in POSTGRESQL_DDL]


def sqlite_statements(table: str) -> list[str]:
    return [statement.format(table=table) for statement in SQLITE_DDL]


def attach_immutable(table: Table) -> None:
    """Create the triggers right after the table (one statement per DDL: asyncpg and
    sqlite3 both refuse several statements in one call)."""
    for statement in postgresql_statements(table.name):
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)
    for statement in sqlite_statements(table.name):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
