"""The connection-check page in a real Chromium against the app's aiortc probe peer."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page
from sqlmodel import select

from telehealth.models import ConnectionCheck, Role
from tests.browser.session_fixtures import (  # noqa: F401  (pytest fixtures)
    OpenBrowser,
    chromium_path,
    live_app,
    open_browser,
    web_login,
)
from tests.connectivity.probe_client import ProbeClient
from tests.fixtures import factories
from tests.fixtures.http import seeding
from tests.sessions.live import LiveApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Simulates a user who refuses the camera and microphone prompt.
REFUSE_MEDIA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""


async def station_user(live: LiveApp) -> str:
    async with seeding(live.db) as session:
        station = await factories.facility(session, name="Trạm Y tế xã Tân Trào")
        user = await factories.user(session, Role.clinician, facility_id=station.id)
        return user.username


async def run_check(page: Page, live: LiveApp, username: str) -> str:
    await web_login(page, live.base_url, username, "/connection-check")
    assert page.url.endswith("/connection-check")
    await page.click("#cc-start")
    verdict = await page.wait_for_selector("#cc-verdict[data-verdict]", timeout=60_000)
    assert verdict is not None
    return str(await verdict.get_attribute("data-verdict"))


async def stored_checks(live: LiveApp) -> list[ConnectionCheck]:
    async with seeding(live.db) as session:
        return list((await session.execute(select(ConnectionCheck))).scalars().all())


async def test_the_page_runs_a_check_and_shows_the_verdict(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    username = await station_user(live_app)
    async with open_browser() as page:
        assert await run_check(page, live_app, username) == "video_ok"
        assert await page.text_content("#cc-verdict-title") == "Đường truyền đủ tốt cho gọi video"
        assert (await page.text_content("#cc-rtt") or "").endswith(" ms")
        assert await page.text_content("#cc-loss") == "0 %"
        assert await page.text_content("#cc-echo-status") == "Nhận lại được"
        assert await page.is_hidden("#cc-echo")  # the preview goes with the connection
        assert await page.text_content("#cc-step") == "Đã kiểm tra xong."
    [check] = await stored_checks(live_app)
    assert check.verdict == "video_ok"
    assert check.with_audio and check.with_video
    assert check.client_figures["pings_sent"] == 100
    assert check.server_figures["pings_received"] >= 97
    assert check.server_figures["closed_by"] == "result"
    assert "Chrome" in (check.user_agent or "")
    assert live_app.app.state.connection_probes.active == 0


async def test_without_camera_and_microphone_a_data_only_check_still_gives_a_verdict(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    username = await station_user(live_app)
    async with open_browser() as page:
        await page.add_init_script(REFUSE_MEDIA)
        assert await run_check(page, live_app, username) == "video_ok"
        notice = await page.text_content("#cc-problems .notice.warn")
        assert notice is not None and notice.startswith("Không dùng được camera hoặc micro")
        assert await page.text_content("#cc-echo-status") == (
            "Không kiểm tra (không có camera/micro)"
        )
    [check] = await stored_checks(live_app)
    assert (check.with_audio, check.with_video) == (False, False)


async def test_a_full_server_is_explained_and_nothing_is_stored(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    username = await station_user(live_app)
    probes = live_app.app.state.connection_probes
    others = [ProbeClient(), ProbeClient()]
    try:
        for other in others:  # two other stations take both slots of this process
            await probes.start(uuid.uuid4(), uuid.uuid4(), await other.offer())
        async with open_browser() as page:
            await web_login(page, live_app.base_url, username, "/connection-check")
            await page.click("#cc-start")
            notice = await page.wait_for_selector("#cc-problems .notice.error", timeout=30_000)
            assert notice is not None
            assert await notice.text_content() == (
                "Máy chủ đang bận với các lượt kiểm tra khác. Hãy thử lại sau khoảng 30 giây."
            )
            assert await page.is_hidden("#cc-result")
            assert await page.text_content("#cc-start") == "Kiểm tra lại"
    finally:
        for other in others:
            await other.close()
        await probes.close_all()
    assert await stored_checks(live_app) == []


async def test_an_unreachable_server_is_explained(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    username = await station_user(live_app)
    async with open_browser() as page:
        await web_login(page, live_app.base_url, username, "/connection-check")
        # The network drops between the page and the server just as the check starts.
        await page.route("**/api/v1/connectivity/offer", lambda route: route.abort())
        await page.click("#cc-start")
        notice = await page.wait_for_selector("#cc-problems .notice.error", timeout=30_000)
        assert notice is not None
        assert await notice.text_content() == (
            "Không liên lạc được với máy chủ. Hãy kiểm tra kết nối Internet rồi thử lại."
        )
