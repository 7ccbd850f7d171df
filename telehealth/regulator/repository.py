"""Queries for the regulator's views, each already restricted to a jurisdiction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from telehealth.models import (
    AuditEvent,
    ConsultationEvent,
    ConsultationParticipant,
    ConsultationRequest,
    ConsultationStatus,
    Facility,
    Patient,
    Practitioner,
    Province,
    User,
)
from telehealth.regulator.scope import Jurisdiction

CR = ConsultationRequest


@dataclass(frozen=True)
class AuditFilter:
    facility_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def audit_statement(scope: Jurisdiction, where: AuditFilter) -> Any:
    stmt = select(AuditEvent)
    conditions = [scope.audit_filter()]
    if where.facility_id is not None:
        conditions.append(col(AuditEvent.actor_facility_id) == where.facility_id)
    if where.user_id is not None:
        conditions.append(col(AuditEvent.actor_user_id) == where.user_id)
    if where.patient_id is not None:
        conditions.append(col(AuditEvent.patient_id) == where.patient_id)
    if where.action:
        # A prefix: "consultation." finds every consultation action.
        conditions.append(col(AuditEvent.action).startswith(where.action))
    if where.since is not None:
        conditions.append(col(AuditEvent.occurred_at) >= where.since)
    if where.until is not None:
        conditions.append(col(AuditEvent.occurred_at) < where.until)
    return stmt.where(*[c for c in conditions if c is not None])


async def search_audit(
    session: AsyncSession, scope: Jurisdiction, where: AuditFilter, *, limit: int, offset: int
) -> tuple[list[tuple[AuditEvent, str | None, str | None]], int]:
    """Matching events, newest first, with the actor's name and facility's name; and the total."""
    base = audit_statement(scope, where).subquery()
    total = int((await session.execute(select(func.count()).select_from(base))).scalar_one())
    event = aliased(AuditEvent, base)
    stmt = (
        select(event, col(User.full_name), col(Facility.name))
        .outerjoin(User, col(User.id) == event.actor_user_id)
        .outerjoin(Facility, col(Facility.id) == event.actor_facility_id)
        .order_by(col(event.occurred_at).desc(), col(event.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows: list[tuple[AuditEvent, str | None, str | None]] = [
        (row[0], row[1], row[2]) for row in (await session.execute(stmt)).all()
    ]
    return rows, total


async def audit_events(session: AsyncSession, scope: Jurisdiction, where: AuditFilter,
                       *, limit: int) -> list[AuditEvent]:
    stmt = audit_statement(scope, where).order_by(col(AuditEvent.occurred_at)).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def patient_by_national_id(session: AsyncSession, national_id: str) -> Patient | None:
    stmt = select(Patient).where(col(Patient.national_id) == national_id.strip())
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class RegisterFilter:
    since: datetime
    until: datetime
    facility_id: uuid.UUID | None = None
    status: ConsultationStatus | None = None


def register_ids(scope: Jurisdiction, where: RegisterFilter) -> Any:
    """The register's consultations (submitted in the period; drafts are not requests yet)."""
    conditions = [
        col(CR.submitted_at).is_not(None),
        col(CR.submitted_at) >= where.since,
        col(CR.submitted_at) < where.until,
        scope.consultation_filter(),
    ]
    if where.facility_id is not None:
        conditions.append(
            (col(CR.requesting_facility_id) == where.facility_id)
            | (col(CR.consulting_facility_id) == where.facility_id)
        )
    if where.status is not None:
        conditions.append(col(CR.status) == where.status)
    return select(col(CR.id)).where(*[c for c in conditions if c is not None])


async def register_page(
    session: AsyncSession, ids: Any, *, limit: int, offset: int
) -> tuple[list[tuple[ConsultationRequest, str, str, str, str | None]], int]:
    """Register rows: the request, requesting and consulting facility names, the requester's
    and the accepting consultant's names; newest first."""
    total = int((await session.execute(
        select(func.count()).select_from(ids.subquery()))).scalar_one())
    requesting, consulting = aliased(Facility), aliased(Facility)
    requester, consultant = aliased(User), aliased(User)
    stmt = (
        select(CR, col(requesting.name), col(consulting.name), col(requester.full_name),
               col(consultant.full_name))
        .join(requesting, col(requesting.id) == CR.requesting_facility_id)
        .join(consulting, col(consulting.id) == CR.consulting_facility_id)
        .join(requester, col(requester.id) == CR.requested_by_user_id)
        .outerjoin(consultant, col(consultant.id) == CR.accepted_by_user_id)
        .where(col(CR.id).in_(ids))
        .order_by(col(CR.submitted_at).desc(), col(CR.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows: list[tuple[ConsultationRequest, str, str, str, str | None]] = [
        (r[0], r[1], r[2], r[3], r[4]) for r in (await session.execute(stmt)).all()
    ]
    return rows, total


async def invitees(
    session: AsyncSession, consultation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    if not consultation_ids:
        return {}
    stmt = (
        select(col(ConsultationParticipant.consultation_id), col(User.full_name))
        .join(Practitioner, col(Practitioner.id) == ConsultationParticipant.practitioner_id)
        .join(User, col(User.id) == Practitioner.user_id)
        .where(col(ConsultationParticipant.consultation_id).in_(list(consultation_ids)))
        .order_by(col(User.full_name))
    )
    out: dict[uuid.UUID, list[str]] = {}
    for consultation_id, name in (await session.execute(stmt)).all():
        out.setdefault(consultation_id, []).append(name)
    return out


async def consultation_in_scope(
    session: AsyncSession, scope: Jurisdiction, consultation_id: uuid.UUID
) -> ConsultationRequest | None:
    conditions = [col(CR.id) == consultation_id, col(CR.submitted_at).is_not(None),
                  scope.consultation_filter()]
    stmt = select(CR).where(*[c for c in conditions if c is not None])
    return (await session.execute(stmt)).scalar_one_or_none()


async def timeline(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[tuple[ConsultationEvent, str | None]]:
    stmt = (
        select(ConsultationEvent, col(User.full_name))
        .outerjoin(User, col(User.id) == ConsultationEvent.actor_user_id)
        .where(col(ConsultationEvent.consultation_id) == consultation_id)
        .order_by(col(ConsultationEvent.at), col(ConsultationEvent.id))
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def accesses_to_consultation(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """Who read or changed the request, from the audit log."""
    stmt = (
        select(AuditEvent, col(User.full_name), col(Facility.name))
        .outerjoin(User, col(User.id) == AuditEvent.actor_user_id)
        .outerjoin(Facility, col(Facility.id) == AuditEvent.actor_facility_id)
        .where(col(AuditEvent.resource_type) == "ConsultationRequest",
               col(AuditEvent.resource_id) == str(consultation_id))
        .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id))
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def province_names(session: AsyncSession, lang: str) -> dict[str, str]:
    rows = (await session.execute(select(Province))).scalars()
    return {p.code: (p.name if lang == "vi" else p.name_en) for p in rows}


@dataclass(frozen=True)
class ReportFacts:
    """One consultation as the reports count it."""

    id: uuid.UUID
    requesting_facility_id: uuid.UUID
    consulting_facility_id: uuid.UUID
    activity: str
    urgency: str
    due_at: datetime | None
    accepted_at: datetime | None
    concluded_at: datetime | None
    outcome_reported: bool


async def report_facts(session: AsyncSession, ids: Any) -> list[ReportFacts]:
    stmt = select(
        col(CR.id), col(CR.requesting_facility_id), col(CR.consulting_facility_id),
        col(CR.activity), col(CR.urgency), col(CR.due_at), col(CR.accepted_at),
        col(CR.concluded_at), col(CR.patient_outcome).is_not(None),
    ).where(col(CR.id).in_(ids))
    return [
        ReportFacts(r[0], r[1], r[2], str(r[3]), str(r[4]), r[5], r[6], r[7], bool(r[8]))
        for r in (await session.execute(stmt)).all()
    ]
