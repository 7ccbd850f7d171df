"""A patient's view of the audit log: who accessed their record, when, from where, why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.clock import Clock
from telehealth.models import AuditEvent, Facility, Patient, User
from telehealth.regulator.schemas import AccessLogItem


async def access_log(
    session: AsyncSession, actor: Actor, *, clock: Clock, limit: int = 200
) -> list[AccessLogItem]:
    """Events about the caller's own patient record by anyone but themselves, newest first.

    Regulators' searches appear with their stated purpose: patients see oversight too."""
    patient = (await session.execute(
        select(Patient).where(col(Patient.user_id) == actor.user_id))).scalar_one_or_none()
    if patient is None:
        return []
    stmt = (
        select(AuditEvent, col(User.full_name), col(Facility.name))
        .outerjoin(User, col(User.id) == AuditEvent.actor_user_id)
        .outerjoin(Facility, col(Facility.id) == AuditEvent.actor_facility_id)
        .where(col(AuditEvent.patient_id) == patient.id,
               col(AuditEvent.actor_user_id).is_distinct_from(actor.user_id))
        .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    record(session, actor, "access_log.read", resource_type="Patient", resource_id=patient.id,
           patient_id=patient.id, clock=clock)
    return [
        AccessLogItem(at=e.occurred_at, who=name, role=e.actor_role, facility=facility,
                      action=e.action, purpose=e.purpose, outcome=e.outcome)
        for e, name, facility in rows
    ]
