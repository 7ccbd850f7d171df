"""Regulator operations: each one checks the jurisdiction and leaves an audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from telehealth.audit.fhir import audit_bundle
from telehealth.audit.service import record
from telehealth.errors import NotFound, ValidationFailed
from telehealth.models import ConsultationStatus, Facility, Province
from telehealth.regulator import linked, reports
from telehealth.regulator import repository as repo
from telehealth.regulator.context import RegulatorContext
from telehealth.regulator.periods import Period
from telehealth.regulator.schemas import (
    AccessItem,
    AuditEventOut,
    AuditPage,
    RegisterEntry,
    RegisterPage,
    RegisterRow,
    TimelineItem,
)
from telehealth.regulator.scope import facility_in_scope

MIN_PURPOSE = 10
FHIR_EXPORT_LIMIT = 10_000


@dataclass(frozen=True)
class AuditQuery:
    facility_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    national_id: str | None = None  # CCCD, instead of patient_id
    purpose: str | None = None
    action: str | None = None
    period: Period | None = None


async def _filter(ctx: RegulatorContext, query: AuditQuery) -> repo.AuditFilter:
    """Check the query against the jurisdiction; a patient search needs a stated purpose."""
    patient_id = query.patient_id
    if query.national_id:
        patient = await repo.patient_by_national_id(ctx.session, query.national_id)
        # An unknown CCCD searches nothing rather than telling whether the person exists.
        patient_id = patient.id if patient else uuid.UUID(int=0)
    if patient_id is not None and len((query.purpose or "").strip()) < MIN_PURPOSE:
        raise ValidationFailed("regulator.errors.purpose_required", min=MIN_PURPOSE)
    if query.facility_id is not None:
        await facility_in_scope(ctx.session, ctx.scope, query.facility_id)
    return repo.AuditFilter(
        facility_id=query.facility_id,
        user_id=query.user_id,
        patient_id=patient_id,
        action=(query.action or "").strip() or None,
        since=query.period.start_utc if query.period else None,
        until=query.period.end_utc if query.period else None,
    )


def _audit_search_event(ctx: RegulatorContext, action: str, query: AuditQuery,
                        where: repo.AuditFilter, found: int) -> None:
    record(
        ctx.session, ctx.actor, action,
        resource_type="AuditEvent",
        patient_id=where.patient_id if query.patient_id or query.national_id else None,
        purpose=(query.purpose or "").strip()[:200] or None,
        detail={
            "facility_id": str(where.facility_id) if where.facility_id else None,
            "user_id": str(where.user_id) if where.user_id else None,
            "action": where.action,
            "since": where.since.isoformat() if where.since else None,
            "until": where.until.isoformat() if where.until else None,
            "found": found,
        },
        clock=ctx.clock,
    )


async def search_audit(ctx: RegulatorContext, query: AuditQuery, *, limit: int,
                       offset: int) -> AuditPage:
    where = await _filter(ctx, query)
    rows, total = await repo.search_audit(ctx.session, ctx.scope, where, limit=limit,
                                          offset=offset)
    _audit_search_event(ctx, "audit.search", query, where, total)
    items = []
    for event, actor_name, facility_name in rows:
        item = AuditEventOut.model_validate(event)
        item.actor_name, item.facility_name = actor_name, facility_name
        items.append(item)
    return AuditPage(total=total, limit=limit, offset=offset, items=items)


async def export_fhir(ctx: RegulatorContext, query: AuditQuery) -> dict[str, Any]:
    """The matching events as a BALP Bundle (oldest first, at most FHIR_EXPORT_LIMIT)."""
    where = await _filter(ctx, query)
    events = await repo.audit_events(ctx.session, ctx.scope, where, limit=FHIR_EXPORT_LIMIT)
    _audit_search_event(ctx, "audit.export", query, where, len(events))
    return audit_bundle(events, server=ctx.settings.base_url, generated_at=ctx.now)


def _register_row(
    request: Any, requesting: str, consulting: str, requester: str, consultant: str | None,
    invitees: list[str], delivery: str,
) -> RegisterRow:
    return RegisterRow(
        id=request.id, submitted_at=request.submitted_at, requesting_facility=requesting,
        consulting_facility=consulting, requested_by=requester, consultant=consultant,
        invitees=invitees, activity=str(request.activity), urgency=str(request.urgency),
        status=str(request.status), accepted_at=request.accepted_at,
        concluded_at=request.concluded_at, closed_at=request.closed_at,
        ended_at=request.ended_at, delivery=delivery,
    )


async def register(
    ctx: RegulatorContext, period: Period, *, facility_id: uuid.UUID | None,
    status: ConsultationStatus | None, limit: int, offset: int,
) -> RegisterPage:
    """The consultation register (sổ hội chẩn từ xa) of the jurisdiction for a period."""
    if facility_id is not None:
        await facility_in_scope(ctx.session, ctx.scope, facility_id)
    ids = repo.register_ids(ctx.scope, repo.RegisterFilter(
        period.start_utc, period.end_utc, facility_id, status))
    rows, total = await repo.register_page(ctx.session, ids, limit=limit, offset=offset)
    page_ids = [r[0].id for r in rows]
    invited = await repo.invitees(ctx.session, page_ids)
    deliveries = await linked.deliveries(ctx.session, page_ids) if page_ids else {}
    record(ctx.session, ctx.actor, "consultation.register.read",
           resource_type="ConsultationRequest",
           detail={"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "facility_id": str(facility_id) if facility_id else None,
                   "shown": len(rows)},
           clock=ctx.clock)
    items = [
        _register_row(*row, invited.get(row[0].id, []),
                      deliveries.get(row[0].id, linked.NOT_SENT))
        for row in rows
    ]
    return RegisterPage(start=period.start, end=period.end, total=total, limit=limit,
                        offset=offset, items=items)


async def entry(ctx: RegulatorContext, consultation_id: uuid.UUID) -> RegisterEntry:
    """One register entry with its timeline and who accessed it (no clinical content)."""
    request = await repo.consultation_in_scope(ctx.session, ctx.scope, consultation_id)
    if request is None:
        raise NotFound("regulator.errors.consultation_not_found")
    ids = select(col(repo.CR.id)).where(col(repo.CR.id) == consultation_id)
    rows, _ = await repo.register_page(ctx.session, ids, limit=1, offset=0)
    _, requesting, consulting, requester, consultant = rows[0]
    deliveries = await linked.deliveries(ctx.session, [consultation_id])
    invited = await repo.invitees(ctx.session, [consultation_id])
    record(ctx.session, ctx.actor, "consultation.read", resource_type="ConsultationRequest",
           resource_id=consultation_id, patient_id=request.patient_id,
           purpose="regulator oversight (register entry)", clock=ctx.clock)
    timeline = [
        TimelineItem(at=e.at, action=e.action, actor=name,
                     from_status=str(e.from_status) if e.from_status else None,
                     to_status=str(e.to_status) if e.to_status else None, reason=e.reason)
        for e, name in await repo.timeline(ctx.session, consultation_id)
    ]
    accesses = [
        AccessItem(at=e.occurred_at, action=e.action, actor=name, role=e.actor_role,
                   facility=facility, outcome=e.outcome)
        for e, name, facility in await repo.accesses_to_consultation(ctx.session,
                                                                      consultation_id)
    ]
    row = _register_row(request, requesting, consulting, requester, consultant,
                        invited.get(consultation_id, []),
                        deliveries.get(consultation_id, linked.NOT_SENT))
    return RegisterEntry(row=row, timeline=timeline, accesses=accesses)


async def report(ctx: RegulatorContext, period: Period) -> reports.Report:
    ids = repo.register_ids(ctx.scope, repo.RegisterFilter(period.start_utc, period.end_utc))
    facts = await repo.report_facts(ctx.session, ids)
    stmt = select(Facility)
    if ctx.scope.province_code is not None:
        stmt = stmt.where(col(Facility.province_code) == ctx.scope.province_code)
    facilities = {f.id: f for f in (await ctx.session.execute(stmt)).scalars()}
    provinces = {p.code: p.name for p in (await ctx.session.execute(select(Province))).scalars()}
    built = reports.build(
        period=period, province_code=ctx.scope.province_code, facts=facts,
        facilities=facilities, province_names=provinces,
        delivered=await linked.deliveries(ctx.session, ids),
        quality=await linked.call_quality(ctx.session, ids), now=ctx.now,
    )
    record(ctx.session, ctx.actor, "report.generate", resource_type="Report",
           detail={"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "consultations": len(facts)}, clock=ctx.clock)
    return built
