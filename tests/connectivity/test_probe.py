"""The probe peer against a real aiortc client in the same process (loopback, no STUN)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack

from signaling.tools.probe import (
    MAX_BURST_BYTES,
    MAX_BURST_SECONDS,
    BadOffer,
    ProbeCounters,
    ProbePeer,
    burst_limits,
)
from tests.connectivity.probe_client import ProbeClient

pytestmark = pytest.mark.slow


@pytest.fixture
async def connected() -> AsyncIterator[tuple[ProbeClient, ProbePeer]]:
    client, probe = ProbeClient(), ProbePeer()
    try:
        await client.accept(await probe.answer(await client.offer()))
        await client.wait_open()
        yield client, probe
    finally:
        await client.close()
        await probe.close()


async def test_pings_come_back_and_give_a_round_trip_time(
    connected: tuple[ProbeClient, ProbePeer],
) -> None:
    client, probe = connected
    outcome = await client.ping(count=30)
    assert outcome.received == 30
    assert 0 < outcome.median_rtt_ms < 200  # loopback
    assert probe.counters.pings_received == 30
    assert probe.counters.upstream_loss_percent == 0


async def test_audio_and_video_are_echoed_back(connected: tuple[ProbeClient, ProbePeer]) -> None:
    client, probe = connected
    await client.wait_for_echo(audio=20, video=5)
    assert sorted(probe.counters.echoed_kinds) == ["audio", "video"]


async def test_upload_burst_is_counted_by_the_server(
    connected: tuple[ProbeClient, ProbePeer],
) -> None:
    client, probe = connected
    result = await client.upload(512 * 1024)
    assert result["bytes"] == 512 * 1024
    assert result["ms"] > 0
    assert probe.counters.upload_kbps is not None and probe.counters.upload_kbps > 500


async def test_download_burst_gives_a_bitrate(connected: tuple[ProbeClient, ProbePeer]) -> None:
    client, probe = connected
    end, kbps = await client.download(512 * 1024, millis=3000)
    assert end["bytes"] == 512 * 1024 == client.downloaded
    assert kbps > 500
    assert probe.counters.download_bytes == 512 * 1024


async def test_video_can_be_received_without_being_echoed() -> None:
    client, probe = ProbeClient(), ProbePeer(echo_video=False)
    try:
        await client.accept(await probe.answer(await client.offer()))
        await client.wait_open()
        await client.wait_for_echo(audio=20, video=0)
        assert probe.counters.echoed_kinds == ["audio"]
        assert client.echoed["video"] == 0
    finally:
        await client.close()
        await probe.close()


async def test_close_reports_media_figures_and_is_idempotent(
    connected: tuple[ProbeClient, ProbePeer],
) -> None:
    client, probe = connected
    await client.wait_for_echo(audio=20, video=5)
    figures = await probe.close()
    assert figures["media"]["audio"]["packets_received"] > 0
    assert figures["connection_state"] == "closed"
    assert await probe.close() == figures


async def test_a_data_only_offer_is_answered() -> None:
    client, probe = ProbeClient(audio=False, video=False), ProbePeer()
    try:
        await client.accept(await probe.answer(await client.offer()))
        await client.wait_open()
        assert (await client.ping(count=5)).received == 5
    finally:
        await client.close()
        await probe.close()


@pytest.mark.parametrize(
    "sdp",
    ["", "garbage", "v=0\r\nm=audio x y z\r\n", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
     "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"],
    ids=["empty", "garbage", "broken-media-line", "no-ice-credentials"],
)
async def test_an_unusable_offer_is_refused(sdp: str) -> None:
    probe = ProbePeer()
    try:
        with pytest.raises(BadOffer):
            await probe.answer(sdp)
    finally:
        await probe.close()


async def test_an_offer_without_a_data_channel_is_refused() -> None:
    media_only, probe = RTCPeerConnection(), ProbePeer()
    try:
        media_only.addTrack(AudioStreamTrack())
        await media_only.setLocalDescription(await media_only.createOffer())
        with pytest.raises(BadOffer, match="data channel"):
            await probe.answer(media_only.localDescription.sdp)
    finally:
        await media_only.close()
        await probe.close()


def test_counters_ignore_what_is_not_a_ping() -> None:
    counters = ProbeCounters()
    for junk in ("not json", "[]", '{"seq": -1}', '{"seq": true}', '{"seq": "3"}', "x" * 500):
        assert counters.on_ping(junk) is None
    ping = json.dumps({"seq": 4, "t": 1.5})
    assert counters.on_ping(ping) == ping
    assert counters.pings_received == 1
    assert counters.upstream_loss_percent == 80.0  # seq 0-3 never arrived


def test_upload_rate_needs_two_moments_in_time() -> None:
    moments = iter([10.0, 10.0, 12.0])
    counters = ProbeCounters(clock=lambda: next(moments))
    counters.on_upload(1000)
    assert counters.upload_kbps is None
    counters.on_upload(1000)
    assert counters.upload_kbps is None
    counters.on_upload(248_000)
    assert counters.upload_kbps == 250_000 * 8 / 2 / 1000


@pytest.mark.parametrize(
    ("ask", "limits"),
    [
        ({"bytes": 1000, "ms": 500}, (1000, 0.5)),
        ({"bytes": 10**12, "ms": 10**9}, (MAX_BURST_BYTES, MAX_BURST_SECONDS)),
        ({"bytes": -5, "ms": -1}, (0, 0.0)),
        ({}, (MAX_BURST_BYTES, MAX_BURST_SECONDS)),
        ({"bytes": "lots"}, (MAX_BURST_BYTES, MAX_BURST_SECONDS)),
    ],
)
def test_download_requests_are_clamped(ask: dict[str, object], limits: tuple[int, float]) -> None:
    assert burst_limits(ask) == limits
