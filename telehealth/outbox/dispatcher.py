"""The dispatcher: claims due messages, hands each to the handler for its kind, records the outcome.

Delivery is at least once: a worker that crashes after the receiver accepted a message but
before recording it leaves a claim that expires, and another worker sends it again. The
receivers are idempotent for that reason (FHIR bundles use conditional creates on our
identifiers). What the dispatcher does guarantee is that no message is ever being delivered
by two workers at the same time while a claim is live.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.outbox import repository
from telehealth.outbox.backoff import retry_delay
from telehealth.outbox.errors import PermanentDeliveryError, TransientDeliveryError
from telehealth.outbox.repository import ClaimedMessage

log = logging.getLogger(__name__)

# A handler delivers one payload and returns what the receiver answered (kept on the row).
DeliveryHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{random.randrange(16**6):06x}"


@dataclass
class DispatchReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    waiting: int = 0  # due, but their receiver is not configured

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.dead += other.dead
        self.waiting += other.waiting


class Dispatcher:
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        clock: Clock,
        handlers: Mapping[str, DeliveryHandler],
        waiting: Mapping[str, str] | None = None,
        worker: str | None = None,
        rng: random.Random | None = None,
        concurrency: int = 4,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.handlers = handlers
        self.waiting = waiting or {}  # kind -> why it is not sent
        self.worker = worker or worker_name()
        self.rng = rng or random.Random()
        self._slots = asyncio.Semaphore(concurrency)

    async def run_once(self, *, limit: int = 50) -> DispatchReport:
        """One batch: claim up to `limit` due messages and deliver them."""
        report = DispatchReport()
        now = self.clock.now()
        if self.waiting:
            async for session in self.db.transaction():
                for kind, reason in self.waiting.items():
                    report.waiting += await repository.mark_waiting(
                        session, now=now, kind=kind, reason=reason
                    )
        if not self.handlers:
            return report
        lease = timedelta(seconds=self.settings.outbox_lease_seconds)
        async for session in self.db.transaction():
            claimed = await repository.claim(
                session,
                now=now,
                kinds=list(self.handlers),
                worker=self.worker,
                lease_until=now + lease,
                limit=limit,
            )
        report.claimed = len(claimed)
        outcomes = await asyncio.gather(*(self._deliver(message) for message in claimed))
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    async def run_until_idle(self, *, limit: int = 50, max_batches: int = 20) -> DispatchReport:
        """Batches until nothing is due (bounded, so one run never holds a worker forever)."""
        total = DispatchReport()
        for _ in range(max_batches):
            report = await self.run_once(limit=limit)
            total.add(report)
            if report.claimed == 0:
                break
        return total

    async def _deliver(self, message: ClaimedMessage) -> str:
        handler = self.handlers[message.kind]
        async with self._slots:
            try:
                result = await handler(message.payload)
            except PermanentDeliveryError as exc:
                return await self._failed(message, str(exc), permanent=True)
            except TransientDeliveryError as exc:
                return await self._failed(message, str(exc), retry_after=exc.retry_after)
            except Exception as exc:
                # A handler bug: counted as a failed attempt, so it ends in the dead letters
                # where someone sees it, instead of failing silently forever.
                log.exception("outbox handler for %s raised", message.kind)
                return await self._failed(message, f"handler error: {type(exc).__name__}: {exc}")
        async for session in self.db.transaction():
            recorded = await repository.mark_delivered(
                session, message, self.worker, now=self.clock.now(), result=result
            )
        if not recorded:
            log.warning("outbox message %s: claim lost before delivery was recorded", message.id)
        return "delivered"

    async def _failed(
        self,
        message: ClaimedMessage,
        error: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> str:
        now = self.clock.now()
        attempts = message.attempts + 1
        dead = permanent or attempts >= self.settings.outbox_max_attempts
        next_attempt_at = None
        if not dead:
            delay = retry_delay(
                attempts,
                base=self.settings.outbox_base_delay_seconds,
                cap=self.settings.outbox_max_delay_seconds,
                rng=self.rng,
                retry_after=retry_after,
            )
            next_attempt_at = now + timedelta(seconds=delay)
        async for session in self.db.transaction():
            await repository.mark_failed(
                session, message, self.worker, now=now, error=error, next_attempt_at=next_attempt_at
            )
        if dead:
            log.warning(
                "outbox message %s (%s) dead after %d attempts", message.id, message.kind, attempts
            )
            return "dead"
        return "retrying"
