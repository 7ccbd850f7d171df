"""The regulator's integrity check names the first damaged entry, in the API and the page."""

from __future__ import annotations

import httpx

from telehealth.config import Settings
from telehealth.db import Database
from tests.audit.helpers import chain
from tests.audit.tampering import tamper
from tests.fixtures.http import login, web_login
from tests.regulator.world import World


async def test_a_tampered_log_is_reported_with_its_first_bad_entry(
    client: httpx.AsyncClient, world: World, db: Database, settings: Settings
) -> None:
    target = (await chain(db))[1]
    await tamper(settings, "UPDATE audit_event SET purpose = 'che giấu' "
                 f"WHERE shard = {target.shard} AND seq = {target.seq}")
    headers = await login(client, "bo")
    result = (await client.post("/api/v1/regulator/integrity-check", headers=headers)).json()
    assert result["intact"] is False and result["problem_count"] == 1
    assert result["first_problem"]["kind"] == "altered"
    assert result["first_problem"]["entry_id"] == target.id.hex
    csrf = await web_login(client, "so.a")
    page = await client.post("/regulator/integrity", data={"csrf_token": csrf})
    assert "KHÔNG toàn vẹn" in page.text and target.id.hex in page.text
