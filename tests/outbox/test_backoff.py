"""Exponential backoff with full jitter, capped, never sooner than the receiver asked."""

from __future__ import annotations

import random

from telehealth.outbox.backoff import ceiling, retry_delay


def test_the_ceiling_doubles_per_attempt_up_to_the_cap() -> None:
    assert [ceiling(n, base=30, cap=3600) for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_a_huge_attempt_count_does_not_overflow() -> None:
    assert ceiling(10_000, base=30, cap=3600) == 3600


def test_delays_are_spread_over_the_whole_window() -> None:
    rng = random.Random(7)
    delays = [retry_delay(3, base=30, cap=3600, rng=rng) for _ in range(2000)]
    assert 0 <= min(delays) < 10
    assert 110 < max(delays) <= 120
    assert 50 < sum(delays) / len(delays) < 70  # uniform over [0, 120]: mean 60


def test_retry_after_is_a_floor() -> None:
    rng = random.Random(7)
    assert all(retry_delay(1, base=30, cap=3600, rng=rng, retry_after=90) >= 90 for _ in range(50))
