"""Writing audit events, in the caller's transaction or (for denials) in one of their own.

An event joins the hash chain when its transaction commits (telehealth.audit.sealing): it
commits or rolls back with the change it records, and a rolled-back savepoint drops it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.audit.sealing import enqueue
from telehealth.clock import Clock, SystemClock
from telehealth.ids import new_id
from telehealth.models import AuditEvent

if TYPE_CHECKING:
    from telehealth.accounts.context import Actor
    from telehealth.db import Database

_system_clock = SystemClock()


def event_row(
    actor: Actor | None,
    action: str,
    *,
    resource_type: str | None = None,
    resource_id: str | uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    outcome: str = "success",
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
    clock: Clock | None = None,
    request_id: str | None = None,
    client_ip: str | None = None,
) -> dict[str, Any]:
    """An event's columns as a plain row (what `record` queues: no model object to build)."""
    return dict(
        id=new_id(),
        occurred_at=(clock or _system_clock).now(),
        actor_user_id=actor.user_id if actor else None,
        actor_role=actor.role.value if actor else None,
        actor_facility_id=actor.facility_id if actor else None,
        actor_province_code=actor.province_code if actor else None,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        patient_id=patient_id,
        outcome=outcome,
        client_ip=(actor.client_ip if actor else None) or client_ip,
        request_id=(actor.request_id if actor else None) or request_id,
        purpose=purpose,
        detail=detail or {},
    )


def build_event(actor: Actor | None, action: str, **kwargs: Any) -> AuditEvent:
    """The same event as an AuditEvent, for callers that adjust it before queueing it."""
    return AuditEvent(**event_row(actor, action, **kwargs))


def record(session: AsyncSession, actor: Actor | None, action: str, **kwargs: Any) -> None:
    """Add an audit event to the caller's transaction: it commits or rolls back with the change."""
    enqueue(session.sync_session, event_row(actor, action, **kwargs))


async def record_now(db: Database, actor: Actor | None, action: str, **kwargs: Any) -> None:
    """Write an audit event in its own transaction, for failures whose request rolls back.

    Roll the request's own session back first: on SQLite it holds the only write lock.
    """
    async for session in db.transaction():
        session.add(build_event(actor, action, **kwargs))
