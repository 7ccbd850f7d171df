"""Real Chromium pages in a live session: doctor and patient, and a browser with an aiortc peer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from signaling.tools.peer import AiortcPeer
from telehealth.models import SessionChatMessage, SessionQualityRecord
from tests.browser.session_fixtures import (  # noqa: F401  (pytest fixtures)
    OpenBrowser,
    chromium_path,
    live_app,
    open_browser,
    web_login,
)
from tests.conftest import T0
from tests.fixtures.http import seeding
from tests.sessions.builders import VideoVisit, video_visit
from tests.sessions.live import LiveApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _visit(live: LiveApp) -> VideoVisit:
    async with seeding(live.db) as session:
        return await video_visit(session, T0 + timedelta(minutes=5))


async def _enter(page: Page, live: LiveApp, username: str, visit: VideoVisit) -> None:
    path = f"/sessions/appointment/{visit.appointment.id}"
    await web_login(page, live.base_url, username, path)
    assert page.url.endswith(path)
    await page.wait_for_selector("#join:not([disabled])", timeout=15000)  # preview is live
    await page.click("#join")
    await page.wait_for_selector("#call:not([hidden])", timeout=15000)


async def _frames_decoded(page: Page, within: float = 30.0) -> int:
    async with asyncio.timeout(within):
        while True:
            frames = int(await page.evaluate("window.vtSession.framesDecoded()"))
            states = await page.evaluate("window.vtSession.connectionStates()")
            if frames > 0 and states and all(s == "connected" for s in states.values()):
                return frames
            await asyncio.sleep(0.25)


async def test_doctor_admits_patient_and_both_see_video_and_chat(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    visit = await _visit(live_app)
    async with open_browser() as doctor, open_browser() as patient:
        await _enter(doctor, live_app, visit.doctor.username, visit)
        await _enter(patient, live_app, visit.patient_user.username, visit)
        await patient.wait_for_selector("#status[data-key='client.waiting']")
        admit = doctor.locator("#waiting-list li button").first
        await admit.wait_for(timeout=10000)
        assert visit.patient_name in await doctor.inner_text("#waiting-list")
        await admit.click()

        assert await _frames_decoded(doctor) > 0
        assert await _frames_decoded(patient) > 0

        await patient.fill("#chat-input", "Em chào bác sĩ ạ")
        await patient.press("#chat-input", "Enter")
        await doctor.wait_for_selector("#chat-list li:has-text('Em chào bác sĩ ạ')")
    async with seeding(live_app.db) as session:  # chat is stored before it is relayed
        [line] = (await session.execute(select(SessionChatMessage))).scalars().all()
    assert (line.user_id, line.text) == (visit.patient_user.id, "Em chào bác sĩ ạ")
    assert "connected" in await _stored_event_names(live_app, "connected")


async def _stored_event_names(live: LiveApp, wanted: str, within: float = 10.0) -> set[str]:
    """Connection events stored so far, once `wanted` is among them or `within` s have passed.

    Quality records are written in batches (the writer lingers up to half a second for a
    batch to gather), so a browser's last events may still be on their way.
    """
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with seeding(live.db) as session:
            events = (await session.execute(
                select(SessionQualityRecord).where(SessionQualityRecord.kind == "event"))).scalars()
            names = {e.name for e in events}
        if wanted in names or asyncio.get_running_loop().time() > deadline:
            return names
        await asyncio.sleep(0.1)


async def test_patient_denied_from_the_waiting_room_is_told_in_vietnamese(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    visit = await _visit(live_app)
    async with open_browser() as doctor, open_browser() as patient:
        await _enter(doctor, live_app, visit.doctor.username, visit)
        await _enter(patient, live_app, visit.patient_user.username, visit)
        deny = doctor.locator("#waiting-list li button.secondary").first
        await deny.wait_for(timeout=10000)
        await deny.click()
        await patient.wait_for_selector("#final-message[data-key='client.denied']")
        assert "Bác sĩ chưa thể tiếp bạn" in await patient.inner_text("#final-message")


async def test_dropped_socket_resumes_and_media_keeps_flowing(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    visit = await _visit(live_app)
    async with open_browser() as doctor, open_browser() as patient:
        await _enter(doctor, live_app, visit.doctor.username, visit)
        await _enter(patient, live_app, visit.patient_user.username, visit)
        await doctor.locator("#waiting-list li button").first.click()
        await _frames_decoded(patient)
        peer_id = await patient.evaluate("window.vtSession.peerId")
        await patient.evaluate("window.vtSession.dropSocket()")
        await patient.wait_for_selector("#status[data-key='client.reconnected']", timeout=15000)
        assert await patient.evaluate("window.vtSession.peerId") == peer_id
        await doctor.wait_for_selector("#toast:has-text('đã kết nối lại')", timeout=10000)
        before = await _frames_decoded(doctor)
        await asyncio.sleep(1.5)
        assert await _frames_decoded(doctor) > before  # still receiving after the ICE restart


async def test_browser_and_aiortc_peer_see_each_others_video(
    live_app: LiveApp, open_browser: OpenBrowser  # noqa: F811
) -> None:
    visit = await _visit(live_app)
    ticket = await live_app.join_token(visit.patient_user.username, visit.room)
    async with open_browser() as doctor:
        await _enter(doctor, live_app, visit.doctor.username, visit)
        peer = AiortcPeer(live_app.ws_url, str(ticket["token"]), use_ice_servers=False)
        try:
            welcome = await peer.join()
            assert welcome["state"] == "waiting"
            await doctor.locator("#waiting-list li button").first.click()
            await peer.wait_for_frames(audio=10, video=5, within=30)
            assert await _frames_decoded(doctor) > 0
        finally:
            await peer.close()
