"""Periodic jobs: escalate requests past their SLA deadline, expire those left unanswered.

Each request is handled in its own transaction with a guarded UPDATE, so several workers can
run these jobs at once and a request is escalated (or expired) exactly once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from telehealth.consultations import live, repository
from telehealth.consultations.states import Action, IllegalTransition, Party, plan
from telehealth.consultations.timeline import add_event
from telehealth.jobs import JobContext
from telehealth.models import ConsultationRequest, ConsultationStatus

log = logging.getLogger(__name__)


async def _candidates(
    ctx: JobContext, column: Any, before: datetime, *, unescalated: bool
) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    # No `return` inside the loop: leaving it early would leave the transaction's generator
    # (and its connection) open until garbage collection.
    async for session in ctx.db.transaction():
        found = await repository.awaiting_past(session, column, before, unescalated=unescalated)
    return found


async def escalate_overdue(ctx: JobContext) -> int:
    """Tell the consulting facility's administrators and the requester about each request
    whose acceptance deadline has passed; once per breach (a forward starts a new clock)."""
    now = ctx.clock.now()
    escalated = 0
    for consultation_id in await _candidates(
        ctx, ConsultationRequest.due_at, now, unescalated=True
    ):
        async for session in ctx.db.transaction():
            if not await repository.mark_escalated(session, consultation_id, now):
                continue
            request = await repository.get(session, consultation_id)
            assert request is not None
            status = ConsultationStatus(request.status)
            add_event(session, request, "escalate", actor=None, at=now, clock=ctx.clock,
                      from_status=status, to_status=status,
                      detail={"due_at": request.due_at.isoformat() if request.due_at else None,
                              "consulting_facility_id": str(request.consulting_facility_id)})
            admins = await repository.facility_admin_ids(session, request.consulting_facility_id)
            await live.notify_users(session, ctx.bus, [*admins, request.requested_by_user_id],
                                    request=request, kind="overdue", now=now)
            live.publish_change(session, ctx.bus, request, "escalate")
            escalated += 1
    if escalated:
        log.info("escalated %d overdue consultation requests", escalated)
    return escalated


async def expire_stale(ctx: JobContext) -> int:
    """Expire requests nobody accepted within `consultation_expire_after_hours` of entering
    the current facility's queue; the requester is told so they can ask elsewhere."""
    now = ctx.clock.now()
    cutoff = now - timedelta(hours=ctx.settings.consultation_expire_after_hours)
    expired = 0
    for consultation_id in await _candidates(
        ctx, ConsultationRequest.queued_at, cutoff, unescalated=False
    ):
        async for session in ctx.db.transaction():
            request = await repository.get(session, consultation_id)
            if request is None:
                continue
            status = ConsultationStatus(request.status)
            try:
                target = plan(Action.expire, status, {Party.system})
            except IllegalTransition:
                continue  # accepted or cancelled since the candidates were read
            won = await repository.guarded_update(
                session, consultation_id, expected=status,
                values={"status": target, "ended_at": now, "updated_at": now},
            )
            if not won:
                continue
            request = await repository.get(session, consultation_id)
            assert request is not None
            add_event(session, request, Action.expire.value, actor=None, at=now,
                      clock=ctx.clock, from_status=status, to_status=target,
                      detail={"after_hours": ctx.settings.consultation_expire_after_hours})
            await live.notify_users(session, ctx.bus, [request.requested_by_user_id],
                                    request=request, kind="expired", now=now)
            live.publish_change(session, ctx.bus, request, Action.expire.value)
            expired += 1
    return expired
