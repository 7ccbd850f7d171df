"""Per-worker sampler: signaling gauges, the bus lag probe, and dead workers' gauges.

The bus probe publishes a timestamp on a probe channel every few seconds and measures
when it comes back through the same bus (Redis pub/sub in production): the lag that
every live event and every cross-worker signal pays. A probe that does not come back
within the timeout (Redis down, subscription lost) counts as a failure.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from telehealth.observability import multiproc
from telehealth.observability.metrics import (
    bus_lag,
    bus_probe_failures,
    signaling_rooms,
    signaling_sockets,
)

log = logging.getLogger(__name__)
PROBE_CHANNEL = "ops:bus-probe"

# (open sockets, rooms with a local socket) of this worker's signaling service.
SignalingCounts = Callable[[], tuple[int, int]]


class Sampler:
    def __init__(
        self,
        bus: Any,
        signaling_counts: SignalingCounts | None,
        *,
        interval: float = 5.0,
        probe_timeout: float = 5.0,
    ) -> None:
        self._bus = bus
        self._counts = signaling_counts
        self._interval = interval
        self._probe_timeout = probe_timeout
        self._worker = secrets.token_hex(6)
        self._sent: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="observability:bus-probe-listener"),
            asyncio.create_task(self._tick(), name="observability:sampler"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def sample_signaling(self) -> None:
        if self._counts is not None:
            sockets, rooms = self._counts()
            signaling_sockets.set(sockets)
            signaling_rooms.set(rooms)

    async def _tick(self) -> None:
        while True:
            try:
                self.sample_signaling()
                multiproc.forget_dead_workers()
                await self._probe()
            except Exception:
                log.exception("metrics sampler failed; it samples again next interval")
            await asyncio.sleep(self._interval)

    async def _probe(self) -> None:
        now = time.monotonic()
        for probe_id, sent in list(self._sent.items()):
            if now - sent > self._probe_timeout:
                del self._sent[probe_id]
                bus_probe_failures.inc()
        probe_id = secrets.token_hex(4)
        self._sent[probe_id] = now
        try:
            await self._bus.publish(PROBE_CHANNEL, {"worker": self._worker, "probe": probe_id})
        except Exception as exc:
            self._sent.pop(probe_id, None)
            bus_probe_failures.inc()
            log.warning("bus probe not published (%s)", type(exc).__name__)

    async def _listen(self) -> None:
        # The subscription is re-made after any failure (Redis restarted): the probe
        # measures the bus as the application's own subscribers experience it.
        backoff = 0.5
        while True:
            try:
                async with self._bus.subscribe(PROBE_CHANNEL) as messages:
                    backoff = 0.5
                    async for _, message in messages:
                        self._received(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus probe subscription lost (%s); retrying", type(exc).__name__)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _received(self, message: dict[str, Any]) -> None:
        if message.get("worker") != self._worker:
            return  # another worker's probe: its clock is not ours to compare
        sent = self._sent.pop(str(message.get("probe")), None)
        if sent is not None:
            bus_lag.observe(time.monotonic() - sent)
