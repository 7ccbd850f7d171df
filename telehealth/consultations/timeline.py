"""Recording what happened to a request: a timeline row and an audit event, together, in the
transaction that made the change (so neither exists without the other or without the change)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.clock import Clock
from telehealth.models import ConsultationEvent, ConsultationRequest, ConsultationStatus


def add_event(
    session: AsyncSession,
    request: ConsultationRequest,
    action: str,
    *,
    actor: Actor | None,
    at: datetime,
    clock: Clock | None,
    from_status: ConsultationStatus | None,
    to_status: ConsultationStatus | None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> ConsultationEvent:
    """`actor` None is the system (a periodic job); its audit event has no user."""
    event = ConsultationEvent(
        consultation_id=request.id,
        at=at,
        action=action,
        actor_user_id=actor.user_id if actor else actor_user_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail or {},
    )
    session.add(event)
    audit_detail: dict[str, Any] = {
        "from": from_status.value if from_status else None,
        "to": to_status.value if to_status else None,
        **(detail or {}),
    }
    record(
        session,
        actor,
        f"consultation.{action}",
        resource_type="ConsultationRequest",
        resource_id=request.id,
        patient_id=request.patient_id,
        purpose=reason[:200] if reason else None,
        detail=audit_detail,
        clock=clock,
    )
    return event
