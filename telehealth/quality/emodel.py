"""The ITU-T G.107 E-model for the audio path of a call, and the grade of a session (pure).

R = R0 − Is − Id − Ie,eff + A, then MOS from R (G.107 (06/2015) §7 and Annex B).

- R0 − Is − (Idte + Idle) at G.107's default parameters is the familiar 93.2: R0 = 94.77,
  Is = 1.41, and the talker- and listener-echo terms 0.16 at zero delay. WebRTC's echo
  canceller keeps the echo loss at least at the default TELR (65 dB), so those echo terms
  are held at their default rather than recomputed from each sample.
- Id adds G.107's absolute-delay impairment Idd for the one-way mouth-to-ear delay
  Ta = RTT/2 + jitter buffer + codec delay: zero up to 100 ms, then
  Idd = 25·((1 + X⁶)^(1/6) − 3·(1 + (X/3)⁶)^(1/6) + 2), X = log2(Ta/100).
  The jitter buffer is estimated as twice the measured jitter (a WebRTC adaptive buffer
  holds about that much), the codec delay is Opus's 26.5 ms (20 ms frame + 6.5 ms
  look-ahead, RFC 6716 §2).
- Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl), random loss (BurstR = 1).
  G.113 tabulates no narrowband Ie for Opus. On the narrowband scale WebRTC's Opus
  (wideband, ≥ 24 kbit/s) is at least as good as G.711, so Ie = 0 (G.711's value); for
  robustness we take Bpl = 25.1, G.113 Appendix I's value for G.711 with packet loss
  concealment (Opus conceals loss too; its in-band FEC makes it, if anything, more robust,
  so the estimate errs on the pessimistic side).
- A = 0 (no advantage of access is assumed for a clinical service).
- MOS = 1 for R < 0, 4.5 for R > 100, else 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

R0 = 94.77
IS = 1.41
ID_ECHO_DEFAULT = 0.16  # Idte + Idle at G.107's defaults and zero delay
A = 0.0
OPUS_IE = 0.0
OPUS_BPL = 25.1
BURST_R = 1.0
JITTER_BUFFER_FACTOR = 2.0
OPUS_CODEC_DELAY_MS = 26.5


def one_way_delay_ms(rtt_ms: float, jitter_ms: float = 0.0) -> float:
    """Mouth-to-ear delay Ta estimated from what the browser measures."""
    return rtt_ms / 2 + JITTER_BUFFER_FACTOR * jitter_ms + OPUS_CODEC_DELAY_MS


def delay_impairment(ta_ms: float) -> float:
    """Idd of G.107 §B.3 (default sensitivity: mT = 100 ms, sT = 1)."""
    if ta_ms <= 100:
        return 0.0
    x = math.log2(ta_ms / 100)
    return 25 * ((1 + x**6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)


def effective_equipment_impairment(
    loss_percent: float, ie: float = OPUS_IE, bpl: float = OPUS_BPL, burst_r: float = BURST_R
) -> float:
    ppl = max(0.0, min(100.0, loss_percent))
    return ie + (95 - ie) * ppl / (ppl / burst_r + bpl)


def r_factor(ta_ms: float, loss_percent: float) -> float:
    delay = ID_ECHO_DEFAULT + delay_impairment(ta_ms)
    return R0 - IS - delay - effective_equipment_impairment(loss_percent) + A


def mos_from_r(r: float) -> float:
    if r < 0:
        return 1.0
    if r > 100:
        return 4.5
    return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6


@dataclass(frozen=True, slots=True)
class AudioEstimate:
    ta_ms: float
    r: float
    mos: float


def estimate(rtt_ms: float, jitter_ms: float, loss_percent: float) -> AudioEstimate:
    ta = one_way_delay_ms(rtt_ms, jitter_ms)
    r = r_factor(ta, loss_percent)
    return AudioEstimate(ta, r, mos_from_r(r))


class Grade(StrEnum):
    good = "good"  # tốt
    fair = "fair"  # trung bình
    poor = "poor"  # kém

    @property
    def rank(self) -> int:
        return {"good": 0, "fair": 1, "poor": 2}[self.value]


# G.109's categories: R ≥ 80 "satisfied" (MOS ≥ 4.02), R ≥ 70 "some users dissatisfied"
# (MOS ≥ 3.60); below 70 many users are dissatisfied.
R_GOOD = 80.0
R_FAIR = 70.0
# Video: share of the call spent frozen; a clinical exam needs a picture that moves.
FREEZE_SHARE_FAIR = 0.01
FREEZE_SHARE_POOR = 0.05
RECONNECTS_FAIR = 1
RECONNECTS_POOR = 3
AUDIO_ONLY_SHARE_FAIR = 0.25  # a quarter of the call without video was not a video visit


def worst(*grades: Grade) -> Grade:
    return max(grades, key=lambda g: g.rank)


def grade(
    *,
    r: float | None,
    duration_seconds: float,
    freeze_seconds: float,
    reconnects: int,
    audio_only_seconds: float,
) -> Grade | None:
    """The worst of the audio, video and continuity verdicts; None without any audio figure."""
    if r is None:
        return None
    audio = Grade.good if r >= R_GOOD else Grade.fair if r >= R_FAIR else Grade.poor
    span = max(duration_seconds, 1.0)
    frozen = freeze_seconds / span
    mostly_audio = audio_only_seconds / span > AUDIO_ONLY_SHARE_FAIR
    video = (
        Grade.poor if frozen > FREEZE_SHARE_POOR
        else Grade.fair if frozen > FREEZE_SHARE_FAIR or mostly_audio
        else Grade.good
    )
    continuity = (
        Grade.poor if reconnects >= RECONNECTS_POOR
        else Grade.fair if reconnects >= RECONNECTS_FAIR
        else Grade.good
    )
    return worst(audio, video, continuity)
