"""The fair buffer against a brute-force model: caps, equal shares, round-robin batches."""

from __future__ import annotations

import random

from telehealth.quality.buffer import FairBuffer


def test_random_traffic_keeps_every_invariant() -> None:
    rng = random.Random(7)
    buffer: FairBuffer[int] = FairBuffer(capacity=300, per_peer=40)
    keys = [("room", f"p{i}") for i in range(25)]
    for step in range(20_000):
        if rng.random() < 0.1:
            batch = buffer.take(rng.randrange(1, 60))
            assert len(batch) == len(set(batch))
        else:
            # A few heavy senders and many light ones.
            key = keys[rng.randrange(3)] if rng.random() < 0.7 else rng.choice(keys)
            buffer.offer(key, step)
        lengths = [len(q) for q in buffer._queues.values()]
        assert sum(lengths) == len(buffer) <= 300
        assert max(lengths, default=0) == buffer._longest <= 40


def test_a_full_buffer_still_admits_a_quiet_peer_at_the_flooders_expense() -> None:
    buffer: FairBuffer[int] = FairBuffer(capacity=100, per_peer=100)
    for n in range(100):
        buffer.offer(("room", "flood"), n)
    assert buffer.offer(("room", "quiet"), 0) == "evicted"
    assert buffer.offer(("room", "flood"), 100) == "full"
    batch = buffer.take(100)
    assert batch[:2] == [1, 0]  # round robin: the flooder's oldest left, then the quiet one
    assert len(batch) == 100


def test_a_peer_over_its_cap_loses_only_its_own_records() -> None:
    buffer: FairBuffer[str] = FairBuffer(capacity=1000, per_peer=3)
    results = [buffer.offer(("room", "a"), str(n)) for n in range(5)]
    assert results == [None, None, None, "peer_cap", "peer_cap"]
    assert buffer.offer(("room", "b"), "x") is None
