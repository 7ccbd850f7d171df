"""scripts/backup.sh and scripts/restore.sh against throwaway databases on the real server."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models import OutboxMessage, Role
from tests.fixtures import factories
from tests.fixtures.http import seeding
from tests.scale.databases import ROOT, app_url, scratch_database, telehealth_env

pytestmark = pytest.mark.postgres


async def _seed(url: str) -> None:
    db = Database(Settings(environment="test", database_url=app_url(url)))
    try:
        async with seeding(db) as session:
            facility = await factories.facility(session, name="Bệnh viện Đa khoa tỉnh")
            for _ in range(3):
                await factories.practitioner(session, facility.id)
            await factories.user(session, Role.patient, full_name="Nguyễn Thị Hoà")
            await factories.patient(session, national_id="001090054321")
            session.add(OutboxMessage(kind="fhir.bundle", key="backup-test:1",
                                      payload={"resourceType": "Bundle", "note": "Tuyên Quang"},
                                      next_attempt_at=datetime.now(UTC),
                                      created_at=datetime.now(UTC)))
    finally:
        await db.dispose()


async def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row's text, per table."""
    conn = await asyncpg.connect(url)
    try:
        tables = [r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        result = {}
        for table in tables:
            row = await conn.fetchrow(
                f'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), '
                f"'')) AS digest FROM \"{table}\" t")
            result[table] = (row["n"], row["digest"])
        return result
    finally:
        await conn.close()


def _backup(url: str, out: Path) -> Path:
    done = subprocess.run([str(ROOT / "scripts/backup.sh"), str(out)], check=True, text=True,
                          capture_output=True, timeout=120,
                          env=telehealth_env(TELEHEALTH_BACKUP_DSN=url))
    archive = Path(done.stdout.strip().splitlines()[-1])
    assert archive.exists() and Path(f"{archive}.sha256").exists()
    return archive


def _damage(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


def _restore(archive: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts/restore.sh"), str(archive)], text=True, capture_output=True,
        timeout=180, cwd=ROOT,
        env=telehealth_env(TELEHEALTH_RESTORE_DSN=url,
                           TELEHEALTH_CLI=f"{sys.executable} -m telehealth"),
    )


async def test_a_backup_restores_every_row(tmp_path: Path) -> None:
    async with scratch_database() as source:
        await _seed(source)
        archive = _backup(source, tmp_path)
        original = await _fingerprint(source)
        async with scratch_database(migrated=False) as target:
            restored = _restore(archive, target)
            assert restored.returncode == 0, restored.stderr
            assert await _fingerprint(target) == original
    assert original["user"][0] >= 4 and original["outbox_message"][0] == 1
    assert "alembic_version" in original


async def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    async with scratch_database() as source:
        archive = _backup(source, tmp_path)
        _damage(archive)
        async with scratch_database(migrated=False) as target:
            refused = _restore(archive, target)
            assert refused.returncode == 1
            assert "checksum mismatch" in refused.stderr
            assert await _fingerprint(target) == {}


async def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    async with scratch_database() as source:
        archive = _backup(source, tmp_path)
        async with scratch_database() as target:
            before = await _fingerprint(target)
            refused = _restore(archive, target)
            assert refused.returncode == 1
            assert "not empty" in refused.stderr
            assert await _fingerprint(target) == before
