"""Writing audit events the way the platform does, and reading the chain back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from telehealth.audit.checkpoints import checkpoint_key
from telehealth.audit.service import record
from telehealth.audit.verifier import Report
from telehealth.audit.verify import verify_log
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.models.audit import AuditEvent


async def append(db: Database, clock: FrozenClock, transactions: int, per_transaction: int) -> None:
    for t in range(transactions):
        async for session in db.transaction():
            for e in range(per_transaction):
                record(session, None, f"test.t{t}.e{e}", purpose="Kiểm tra", clock=clock,
                       detail={"n": e, "ghi_chú": "Bảo hiểm"})
        clock.advance(timedelta(seconds=1))


async def chain(db: Database) -> list[AuditEvent]:
    """Every event, in chain order."""
    events: list[AuditEvent] = []
    async for session in db.transaction():
        stmt = select(AuditEvent).order_by(col(AuditEvent.shard), col(AuditEvent.seq))
        events = list((await session.execute(stmt)).scalars())
    return events


async def verify(db: Database, settings: Settings) -> Report:
    report, _seconds = await verify_log(db.engine, checkpoint_key(settings.secret_key))
    return report
