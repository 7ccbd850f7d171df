"""The verdict of a connection check, from documented thresholds (pure: no I/O).

Basis (docs/connection-check.md has the long form):
* Delay: ITU-T G.114 finds one-way delay up to 150 ms acceptable for most
  conversations, 150-400 ms acceptable with care, and more unacceptable for planning.
  A 300 ms round trip is about 150 ms each way (video: lips and voice stay together);
  600 ms is about 300 ms each way, still inside 400 ms, so speech alone remains usable.
* Loss: Opus is built to conceal isolated lost packets and can carry in-band FEC for
  them (RFC 6716 §2.1.7), while VP8 frames depend on each other and, without
  retransmission, break up after a few percent. Our limits: under 3 % for video,
  under 10 % for speech. They are a judgement on that basis, not a standard's figure.
* Bitrate: libwebrtc's simulcast table gives 640x360 video a 500 kbit/s target
  (150 kbit/s minimum); Opus speech at 50 packets/s with IP/UDP/RTP/SRTP overhead needs
  roughly 40-64 kbit/s.
"""

from __future__ import annotations

from dataclasses import dataclass

from telehealth.models import ConnectionFailure, ConnectionVerdict


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A connection qualifies when every figure is strictly within its limit."""

    max_rtt_ms: float
    max_loss_percent: float
    min_bitrate_kbps: float

    def met_by(self, rtt_ms: float, loss_percent: float, bitrate_kbps: float) -> bool:
        return (
            rtt_ms < self.max_rtt_ms
            and loss_percent < self.max_loss_percent
            and bitrate_kbps >= self.min_bitrate_kbps
        )


VIDEO = Thresholds(max_rtt_ms=300, max_loss_percent=3, min_bitrate_kbps=500)
AUDIO = Thresholds(max_rtt_ms=600, max_loss_percent=10, min_bitrate_kbps=64)


def judge(
    rtt_ms: float | None,
    loss_percent: float | None,
    bitrate_kbps: float | None,
    failure: ConnectionFailure | None = None,
) -> ConnectionVerdict:
    """Video OK, audio only, or not usable; a missing figure never earns a better verdict."""
    if failure is not None or rtt_ms is None or loss_percent is None or bitrate_kbps is None:
        return ConnectionVerdict.not_usable
    if VIDEO.met_by(rtt_ms, loss_percent, bitrate_kbps):
        return ConnectionVerdict.video_ok
    if AUDIO.met_by(rtt_ms, loss_percent, bitrate_kbps):
        return ConnectionVerdict.audio_only
    return ConnectionVerdict.not_usable
