"""Running Alembic programmatically, so `telehealth migrate` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from telehealth.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def current_heads(settings: Settings) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config(settings)).get_heads())


def autogenerate(settings: Settings, message: str) -> None:
    """Write a new revision from the difference between the database at head and the models.

    Run against an empty SQLite file: `python -m telehealth.migrate "add X"`.
    """
    config = alembic_config(settings)
    command.upgrade(config, "head")
    command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        autogenerate(
            Settings(database_url=f"sqlite+aiosqlite:///{tmp}/autogen.sqlite3"),
            " ".join(sys.argv[1:]) or "schema change",
        )
