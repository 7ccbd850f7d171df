"""The quality queue: batches to the platform, bounded, counted drops, flushed at stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from signaling.platform import MemoryPlatform, PlatformError, QualityRecord
from signaling.quality import QualitySink

T = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def record(n: int, peer: str = "p1") -> QualityRecord:
    return QualityRecord("room-1", "u1", peer, "sample", {"rtt_ms": n}, T)


class CountingPlatform(MemoryPlatform):
    """Records the size of every batch; `gate` (when set) holds each batch until opened."""

    def __init__(self, gate: asyncio.Event | None = None, fail: bool = False) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.gate = gate
        self.fail = fail

    async def store_quality_many(self, records: Sequence[QualityRecord]) -> None:
        self.batches.append(len(records))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise PlatformError("quality store down")
        await super().store_quality_many(records)


async def test_queued_records_reach_the_platform_in_capped_batches_in_order() -> None:
    platform = CountingPlatform()
    sink = QualitySink(platform, workers=1, batch=500)
    for n in range(1200):
        sink.put(record(n))
    sink.start()
    await sink.stop()
    assert platform.batches == [500, 500, 200]
    assert [q["payload"]["rtt_ms"] for q in platform.quality] == list(range(1200))
    assert (sink.dropped, sink.failed, sink.batches) == (0, 0, 3)


async def test_a_full_queue_drops_new_records_and_counts_them() -> None:
    platform = CountingPlatform()
    sink = QualitySink(platform, maxsize=3)
    for n in range(5):
        sink.put(record(n))
    assert sink.full and sink.dropped == 2 and sink.shed_unparsed == 0
    sink.shed()
    assert (sink.dropped, sink.shed_unparsed) == (3, 1)
    sink.start()
    await sink.stop()
    assert [q["payload"]["rtt_ms"] for q in platform.quality] == [0, 1, 2]
    assert not sink.full


async def test_a_failed_batch_is_counted_and_the_queue_goes_on() -> None:
    platform = CountingPlatform(fail=True)
    sink = QualitySink(platform, workers=1, batch=2)
    sink.start()
    for n in range(3):
        sink.put(record(n))
    await sink.stop()
    assert sink.failed == 3 and platform.batches == [2, 1]


async def test_records_in_flight_count_as_pending_until_stored() -> None:
    gate = asyncio.Event()
    platform = CountingPlatform(gate)
    sink = QualitySink(platform, workers=1)
    sink.start()
    sink.put(record(1))
    await asyncio.sleep(0.01)
    assert sink.pending == 1 and platform.quality == []
    gate.set()
    await sink.stop()
    assert sink.pending == 0 and len(platform.quality) == 1


def test_sizes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        QualitySink(MemoryPlatform(), batch=0)
