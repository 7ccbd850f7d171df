"""Verdict thresholds and how the two sides' figures are combined (pure, table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from telehealth.connectivity.schemas import ResultRequest
from telehealth.connectivity.service import Figures, combine
from telehealth.connectivity.verdict import judge
from telehealth.models import ConnectionFailure, ConnectionVerdict

VIDEO, AUDIO, NONE = (ConnectionVerdict.video_ok, ConnectionVerdict.audio_only,
                      ConnectionVerdict.not_usable)


@pytest.mark.parametrize(
    ("rtt_ms", "loss_percent", "bitrate_kbps", "expected"),
    [
        (40, 0, 5000, VIDEO),
        (299.9, 2.99, 500, VIDEO),  # every limit just met
        (300, 0, 5000, AUDIO),  # delay is strict: 300 ms is too slow for video
        (100, 3, 5000, AUDIO),  # loss is strict
        (100, 0, 499.9, AUDIO),  # bitrate is inclusive: 500 is enough, 499.9 is not
        (599.9, 9.99, 64, AUDIO),
        (600, 0, 5000, NONE),
        (100, 10, 5000, NONE),
        (100, 0, 63.9, NONE),
        (None, 0, 5000, NONE),  # a figure never measured is never assumed good
        (40, None, 5000, NONE),
        (40, 0, None, NONE),
    ],
)
def test_verdict_thresholds(
    rtt_ms: float | None, loss_percent: float | None, bitrate_kbps: float | None,
    expected: ConnectionVerdict,
) -> None:
    assert judge(rtt_ms, loss_percent, bitrate_kbps) is expected


@pytest.mark.parametrize("failure", list(ConnectionFailure))
def test_a_failed_check_is_never_usable(failure: ConnectionFailure) -> None:
    assert judge(20, 0, 10_000, failure) is NONE


def result(**fields: Any) -> ResultRequest:
    return ResultRequest(**{"pings_sent": 100, "pings_received": 100, **fields})


@pytest.mark.parametrize(
    ("body", "server", "expected"),
    [
        # Loss from missing pongs; upload from the server's own count, not the client's claim.
        (result(pings_received=97, rtt_ms=50, upload_kbps=9999, download_kbps=800),
         {"upload_kbps": 700.0}, Figures(50, 3.0, 700.0, 800)),
        # No server figures (another process, or already gone): the client's upload stands.
        (result(rtt_ms=50, upload_kbps=640, download_kbps=800), {}, Figures(50, 0.0, 640, 800)),
        # Not a single pong: the round trip is unknown, whatever the client says.
        (result(pings_received=0, rtt_ms=12), {}, Figures(None, 100.0, None, None)),
        (result(pings_sent=0, pings_received=0), {}, Figures(None, None, None, None)),
    ],
)
def test_figures_come_from_the_side_that_measured_them(
    body: ResultRequest, server: dict[str, Any], expected: Figures
) -> None:
    assert combine(body, server) == expected


@pytest.mark.parametrize(
    ("upload", "download", "bitrate"),
    [(700.0, 800.0, 700.0), (900.0, 300.0, 300.0), (None, 800.0, None), (700.0, None, None)],
)
def test_bitrate_is_the_slower_direction(
    upload: float | None, download: float | None, bitrate: float | None
) -> None:
    assert Figures(50, 0, upload, download).bitrate_kbps == bitrate
