"""Deployment-wide figures read from the database when Prometheus scrapes.

They describe shared state (the outbox, the consultation queue), so any worker can
answer them and they must not be summed across workers like per-process metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from telehealth.consultations.states import AWAITING_ACCEPTANCE
from telehealth.db import Database
from telehealth.models import ConsultationRequest, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
QUERY_TIMEOUT_SECONDS = 3.0


@dataclass
class DatabaseFigures:
    up: bool = False
    outbox_by_status: dict[str, int] = field(default_factory=dict)
    outbox_due: int = 0
    outbox_failing: int = 0
    outbox_oldest_due_age: float = 0.0
    sla_overdue: int = 0
    sla_escalated_24h: int = 0


async def _read(db: Database, now: datetime) -> DatabaseFigures:
    figures = DatabaseFigures(up=True)
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
        )
        figures.outbox_by_status = {str(status): int(n) for status, n in rows.all()}
        pending = col(OutboxMessage.status) == OutboxStatus.pending
        due = (await session.execute(
            select(func.count(), func.min(OutboxMessage.next_attempt_at))
            .where(pending, col(OutboxMessage.next_attempt_at) <= now)
        )).one()
        figures.outbox_due = int(due[0])
        if due[1] is not None:
            figures.outbox_oldest_due_age = max(0.0, (now - due[1]).total_seconds())
        figures.outbox_failing = int((await session.execute(
            select(func.count()).where(pending, col(OutboxMessage.attempts) > 0)
        )).scalar_one())
        awaiting = col(ConsultationRequest.status).in_(list(AWAITING_ACCEPTANCE))
        figures.sla_overdue = int((await session.execute(
            select(func.count()).where(awaiting, col(ConsultationRequest.due_at) <= now)
        )).scalar_one())
        figures.sla_escalated_24h = int((await session.execute(
            select(func.count()).where(
                col(ConsultationRequest.escalated_at) >= now - timedelta(hours=24)
            )
        )).scalar_one())
    return figures


async def read_figures(db: Database, now: datetime) -> DatabaseFigures:
    """The figures, or `up=False` when the database does not answer in time."""
    try:
        async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
            return await _read(db, now)
    except Exception as exc:  # a scrape reports the outage, it does not fail
        log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
        return DatabaseFigures(up=False)


class FiguresCollector(Collector):
    """Exposes figures read beforehand (collect() is synchronous, the read is not)."""

    def __init__(self, figures: DatabaseFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        f = self.figures
        yield GaugeMetricFamily("telehealth_database_up",
                                "1 if the database answered the scrape's queries", value=int(f.up))
        if not f.up:
            return
        by_status = GaugeMetricFamily("telehealth_outbox_messages",
                                      "Outbox messages by status (dead = dead letters)",
                                      labels=["status"])
        for status in OutboxStatus:
            by_status.add_metric([status.value], f.outbox_by_status.get(status.value, 0))
        yield by_status
        yield GaugeMetricFamily("telehealth_outbox_backlog",
                                "Pending outbox messages already due (waiting for a dispatcher)",
                                value=f.outbox_due)
        yield GaugeMetricFamily("telehealth_outbox_failing",
                                "Pending outbox messages that failed at least once",
                                value=f.outbox_failing)
        yield GaugeMetricFamily("telehealth_outbox_oldest_due_age_seconds",
                                "How long the oldest due outbox message has waited",
                                value=f.outbox_oldest_due_age)
        yield GaugeMetricFamily("telehealth_consultation_sla_breaches",
                                "Consultation requests awaiting acceptance past their deadline",
                                value=f.sla_overdue)
        yield GaugeMetricFamily("telehealth_consultation_sla_escalations_24h",
                                "Requests escalated for a missed deadline in the last 24 hours",
                                value=f.sla_escalated_24h)
