"""`telehealth audit verify`: exit code 0 for an intact log, 1 with the first bad entry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from telehealth.cli import main
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from tests.audit.helpers import append, chain
from tests.audit.tampering import tamper


async def _seed(settings: Settings) -> str:
    db = Database(settings)
    try:
        await append(db, FrozenClock(datetime(2026, 11, 23, 1, tzinfo=UTC)), 2, 3)
        events = await chain(db)
    finally:
        await db.dispose()
    target = events[1]
    where = f"shard = {target.shard} AND seq = {target.seq}"
    return f"UPDATE audit_event SET action = 'x' WHERE {where}"


def test_verify_exits_0_when_intact_and_1_naming_the_first_bad_entry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEHEALTH_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TELEHEALTH_SECRET_KEY", settings.secret_key)
    statement = asyncio.run(_seed(settings))
    assert main(["audit", "checkpoint"]) == 0
    assert main(["audit", "verify"]) == 0
    assert "The audit log is intact." in capsys.readouterr().out

    asyncio.run(tamper(settings, statement))
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "NOT intact" in out and "First bad entry: altered" in out and "position 2" in out
