"""The E-model and the grade against worked examples computed by hand from G.107."""

from __future__ import annotations

import pytest

from telehealth.quality import emodel
from telehealth.quality.emodel import Grade


def test_mos_of_the_default_r_is_4_41() -> None:
    """R = 93.2 (G.107's default connection):
    MOS = 1 + 0.035·93.2 + 93.2·(93.2 − 60)·(100 − 93.2)·7·10⁻⁶
        = 1 + 3.262 + 93.2·33.2·6.8·7·10⁻⁶ = 1 + 3.262 + 0.14729 = 4.4093."""
    assert emodel.mos_from_r(93.2) == pytest.approx(4.4093, abs=1e-4)


def test_mos_is_clamped_outside_0_to_100() -> None:
    assert emodel.mos_from_r(-5) == 1.0
    assert emodel.mos_from_r(120) == 4.5
    assert emodel.mos_from_r(0) == 1.0


def test_a_perfect_short_path_gives_the_default_r() -> None:
    """RTT 0, jitter 0: Ta = 26.5 ms (Opus) ≤ 100 ms, so Idd = 0; no loss, Ie = 0:
    R = 94.77 − 1.41 − 0.16 − 0 − 0 + 0 = 93.2."""
    assert emodel.r_factor(emodel.one_way_delay_ms(0, 0), 0) == pytest.approx(93.2)


def test_delay_impairment_at_200_and_400_ms() -> None:
    """Ta = 200 ms: X = log2(2) = 1;
    Idd = 25·((1 + 1)^(1/6) − 3·(1 + (1/3)⁶)^(1/6) + 2) = 25·(1.122462 − 3.000686 + 2) = 3.044.
    Ta = 400 ms: X = 2; (1 + 64)^(1/6) = 2.005175, (1 + (2/3)⁶)^(1/6) = 1.014124;
    Idd = 25·(2.005175 − 3.042373 + 2) = 24.070."""
    assert emodel.delay_impairment(100) == 0.0
    assert emodel.delay_impairment(200) == pytest.approx(3.044, abs=1e-3)
    assert emodel.delay_impairment(400) == pytest.approx(24.070, abs=1e-3)


def test_loss_impairment_for_opus() -> None:
    """Ie = 0, Bpl = 25.1, BurstR = 1:
    Ppl = 1 %: Ie,eff = 95·1/(1 + 25.1) = 3.640;  Ppl = 5 %: 95·5/(5 + 25.1) = 15.781."""
    assert emodel.effective_equipment_impairment(1) == pytest.approx(3.640, abs=1e-3)
    assert emodel.effective_equipment_impairment(5) == pytest.approx(15.781, abs=1e-3)


def test_a_long_lossy_path() -> None:
    """RTT 300 ms, jitter 20 ms, 2 % loss: Ta = 150 + 2·20 + 26.5 = 216.5 ms;
    X = log2(2.165) = 1.11437, X⁶ = 1.91504, (X/3)⁶ = 0.0026270;
    Idd = 25·(2.91504^(1/6) − 3·1.0026270^(1/6) + 2) = 25·(1.19521 − 3.00131 + 2) = 4.8475;
    Ie,eff = 95·2/(2 + 25.1) = 7.0111; R = 93.2 − 4.8475 − 7.0111 = 81.341 (above 80:
    "satisfied"); MOS = 1 + 2.84695 + 81.341·21.341·18.659·7·10⁻⁶ = 4.0737."""
    audio = emodel.estimate(300, 20, 2)
    assert audio.ta_ms == pytest.approx(216.5)
    assert audio.r == pytest.approx(81.341, abs=0.01)
    assert audio.mos == pytest.approx(4.0737, abs=1e-3)


def test_satellite_delay_and_heavy_loss_is_poor() -> None:
    """RTT 1000 ms, jitter 50 ms, 10 % loss: Ta = 500 + 100 + 26.5 = 626.5 ms;
    X = log2(6.265) = 2.64735, X⁶ = 344.24, (X/3)⁶ = 0.472213;
    Idd = 25·(345.24^(1/6) − 3·1.472213^(1/6) + 2) = 25·(2.64863 − 3.19975 + 2) = 36.222;
    Ie,eff = 95·10/35.1 = 27.066; R = 93.2 − 36.222 − 27.066 = 29.913: below 50, nearly
    all users dissatisfied; MOS = 1 + 1.04694 − 29.913·30.087·70.087·7·10⁻⁶ = 1.6054."""
    audio = emodel.estimate(1000, 50, 10)
    assert audio.r == pytest.approx(29.913, abs=0.01)
    assert audio.mos == pytest.approx(1.6054, abs=1e-3)
    assert emodel.grade(r=audio.r, duration_seconds=600, freeze_seconds=0, reconnects=0,
                        audio_only_seconds=0) is Grade.poor


@pytest.mark.parametrize(
    ("r", "freeze", "reconnects", "audio_only", "expected"),
    [
        (93.2, 0, 0, 0, Grade.good),
        (79.9, 0, 0, 0, Grade.fair),  # below G.109's "satisfied" boundary (R 80)
        (69.9, 0, 0, 0, Grade.poor),
        (93.2, 6.1, 0, 0, Grade.fair),  # more than 1 % of 600 s frozen
        (93.2, 31, 0, 0, Grade.poor),  # more than 5 % frozen
        (93.2, 0, 1, 0, Grade.fair),
        (93.2, 0, 3, 0, Grade.poor),
        (93.2, 0, 0, 151, Grade.fair),  # a quarter of the call without video
        (None, 0, 0, 0, None),
    ],
)
def test_grade_is_the_worst_of_audio_video_and_continuity(
    r: float | None, freeze: float, reconnects: int, audio_only: float, expected: Grade | None
) -> None:
    assert emodel.grade(r=r, duration_seconds=600, freeze_seconds=freeze,
                        reconnects=reconnects, audio_only_seconds=audio_only) == expected
