"""Database-level append-only rules for the audit tables (PostgreSQL and SQLite triggers).

The Alembic migration must create the same objects: `POSTGRESQL_DDL` / `SQLITE_DDL` below,
formatted with each append-only table's name (`audit_event`, `audit_checkpoint`). The
`after_create` listeners put them on schemas built with `create_all` (tests, benchmarks).

The triggers stop the application role and anyone who does not first disable them; a
superuser or the table owner can still disable them. Production therefore runs the
application as a role that owns nothing and has only INSERT and SELECT on these tables
(docs/audit.md, "Database roles"); the triggers are the second line.
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

# One function serves every append-only table; it names the table and the refused operation.
POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

POSTGRESQL_DDL = (
    POSTGRESQL_FUNCTION,
    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
)

# SQLite has no TRUNCATE: a DELETE without WHERE still fires the row trigger.
SQLITE_DDL = (
    "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
    "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
    "BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
)


def postgresql_statements(table: str) -> list[str]:
    return [statement.format(table=table) for statement in POSTGRESQL_DDL]


def sqlite_statements(table: str) -> list[str]:
    return [statement.format(table=table) for statement in SQLITE_DDL]


def attach_append_only(table: Table) -> None:
    """Create the triggers right after the table, on either backend (one statement each:
    asyncpg's prepared statements and sqlite3 both refuse several in one call)."""
    for statement in postgresql_statements(table.name):
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)
    for statement in sqlite_statements(table.name):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
