"""Browser fixtures for the live session tests: Debian's Chromium (never a downloaded build)
with a fake camera and microphone, one persistent profile per user, and the app on a port."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from tests.conftest import T0
from tests.fixtures.databases import create_sqlite_schema
from tests.fixtures.factories import PASSWORD
from tests.sessions.live import LiveApp, serve_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

OpenBrowser = Callable[[], AbstractAsyncContextManager[Page]]


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        # A failure, not a skip: CI must never pass without having run the browser tests.
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test-deps.sh (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def live_app(tmp_path: Path) -> AsyncIterator[LiveApp]:
    """The app on SQLite only: a browser test is slow enough on one backend."""
    url = f"sqlite+aiosqlite:///{tmp_path}/browser.sqlite3"
    await create_sqlite_schema(url)
    settings = Settings(
        environment="test", database_url=url, data_dir=tmp_path / "data",
        run_background_tasks=False, redis_url=None,
    )
    async with serve_app(settings, FrozenClock(T0)) as live:
        yield live


@pytest.fixture
async def open_browser(chromium_path: Path) -> AsyncIterator[OpenBrowser]:
    """`async with open_browser() as page:` a fresh Chromium profile (its own cookies) each."""
    async with async_playwright() as playwright:

        @asynccontextmanager
        async def factory() -> AsyncIterator[Page]:
            with tempfile.TemporaryDirectory(prefix="vt-chromium-") as profile:
                context: BrowserContext = await playwright.chromium.launch_persistent_context(
                    profile, executable_path=str(chromium_path), headless=True,
                    args=CHROMIUM_ARGS,
                )
                try:
                    page = context.pages[0] if context.pages else await context.new_page()
                    yield page
                finally:
                    await context.close()

        yield factory


async def web_login(page: Page, base_url: str, username: str, next_path: str) -> None:
    await page.goto(f"{base_url}/login?next={next_path}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
