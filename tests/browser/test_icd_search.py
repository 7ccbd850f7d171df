"""The ICD-10 search box in a real browser: a clinician writing a visit summary finds a code
by its Vietnamese title (typed without diacritics) and picks it into the code field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.session_fixtures import (  # noqa: F401  (pytest fixtures)
    chromium_path,
    live_app,
    open_browser,
    web_login,
)
from tests.conftest import T0
from tests.fixtures.http import seeding
from tests.sessions.builders import video_visit
from tests.sessions.live import LiveApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_doctor_picks_diagnoses_from_the_search_box_on_the_summary_form(
    live_app: LiveApp, open_browser  # noqa: F811
) -> None:
    async with seeding(live_app.db) as session:
        visit = await video_visit(session, T0 - timedelta(minutes=30))
    path = f"/records/appointments/{visit.appointment.id}/summary"
    async with open_browser() as page:
        await web_login(page, live_app.base_url, visit.doctor.username, path)
        assert page.url.endswith(path)
        await page.fill("#diagnosis_codes", "E11.9")
        await page.fill("#icd-search", "tang huyet ap")  # no diacritics, as typed in a hurry
        pick = page.locator("#icd-results li button", has_text="I10")
        await pick.first.wait_for(timeout=10000)
        assert "Tăng huyết áp" in await pick.first.inner_text()  # titles in Vietnamese
        await pick.first.click()
        assert await page.input_value("#diagnosis_codes") == "E11.9, I10"
        assert await page.is_hidden("#icd-results")
        assert await page.input_value("#icd-search") == ""

        await page.fill("#icd-search", "I10")  # picked twice: kept once
        await page.locator("#icd-results li button", has_text="I10").first.click()
        assert await page.input_value("#diagnosis_codes") == "E11.9, I10"

        await page.fill("#icd-search", "J45")
        await page.locator("#icd-results li button").first.wait_for(timeout=10000)
        await page.press("#icd-search", "Escape")  # closes the list, picks nothing
        assert await page.is_hidden("#icd-results")
        assert await page.input_value("#diagnosis_codes") == "E11.9, I10"
