"""Regulator API: audit search and FHIR export, consultation register, reports, integrity."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from telehealth.deps import DatabaseDep
from telehealth.models import ConsultationStatus
from telehealth.regulator import exports, integrity, service
from telehealth.regulator import repository as repo
from telehealth.regulator.context import RegulatorContext, RegulatorDep
from telehealth.regulator.periods import local_today, resolve
from telehealth.regulator.presenters import report_out
from telehealth.regulator.schemas import (
    AuditPage,
    IntegrityOut,
    RegisterEntry,
    RegisterPage,
    ReportOut,
)

router = APIRouter(prefix="/regulator", tags=["regulator"])
_403: dict[int | str, dict[str, Any]] = {403: {"description": "Only regulators"}}


class AuditSearch(BaseModel):
    """Sent in the body, not the URL: a CCCD is personal data and URLs end up in logs."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "national_id": "008090001234", "purpose": "Thanh tra theo đơn khiếu nại số 12/2026",
        "start": "2026-10-01", "end": "2026-12-31"}]})
    facility_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    national_id: str | None = Field(default=None, max_length=12)
    purpose: str | None = Field(default=None, max_length=200,
                                description="Required (10+ characters) with a patient")
    action: str | None = Field(default=None, max_length=64, description="An action prefix")
    start: date | None = None
    end: date | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


def _query(ctx: RegulatorContext, body: AuditSearch) -> service.AuditQuery:
    period = None
    if body.start is not None or body.end is not None:
        period = resolve(None, body.start, body.end, local_today(ctx.now))
    return service.AuditQuery(
        facility_id=body.facility_id, user_id=body.user_id, patient_id=body.patient_id,
        national_id=body.national_id, purpose=body.purpose, action=body.action, period=period)


@router.post("/audit-events/search", response_model=AuditPage, responses=_403,
             summary="Search the audit log in my jurisdiction",
             description="By facility, user, patient (with a stated purpose, which is itself "
             "recorded), action prefix and date range (Vietnam days), newest first.")
async def search_audit(ctx: RegulatorDep, body: AuditSearch) -> AuditPage:
    return await service.search_audit(ctx, _query(ctx, body), limit=body.limit,
                                      offset=body.offset)


@router.post("/audit-events/fhir", responses={**_403, 200: {
    "content": {"application/fhir+json": {}},
    "description": "A Bundle of AuditEvent resources (IHE BALP), oldest first"}},
    summary="Export audit events as a FHIR Bundle (IHE BALP)")
async def export_fhir(ctx: RegulatorDep, body: AuditSearch) -> JSONResponse:
    bundle = await service.export_fhir(ctx, _query(ctx, body))
    return JSONResponse(bundle, media_type="application/fhir+json")


PeriodCode = Annotated[str | None, Query(description="2026, 2026-H1, 2026-H2, 2026-Q1…Q4",
                                         max_length=7)]


@router.get("/consultations", response_model=RegisterPage, responses=_403,
            summary="The consultation register of my jurisdiction",
            description="Consultations submitted in the period (default: this quarter), "
            "newest first, with both facilities, participants, activity, times, status and "
            "delivery to the health record platform.")
async def register(
    ctx: RegulatorDep, period: PeriodCode = None, start: date | None = None,
    end: date | None = None, facility_id: uuid.UUID | None = None,
    status: ConsultationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> RegisterPage:
    chosen = resolve(period, start, end, local_today(ctx.now))
    return await service.register(ctx, chosen, facility_id=facility_id, status=status,
                                  limit=limit, offset=offset)


@router.get("/consultations/{consultation_id}", response_model=RegisterEntry,
            responses={**_403, 404: {"description": "Not in my jurisdiction, or no such"}},
            summary="One register entry with its timeline and accesses")
async def register_entry(ctx: RegulatorDep, consultation_id: uuid.UUID) -> RegisterEntry:
    return await service.entry(ctx, consultation_id)


async def _report(ctx: RegulatorContext, period: str | None, start: date | None,
                  end: date | None) -> Any:
    return await service.report(ctx, resolve(period, start, end, local_today(ctx.now)))


@router.get("/reports", response_model=ReportOut, responses=_403,
            summary="Periodic report (quarter, half-year, year or any range)")
async def report_json(ctx: RegulatorDep, period: PeriodCode = None, start: date | None = None,
                      end: date | None = None) -> ReportOut:
    return report_out(await _report(ctx, period, start, end))


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/reports.csv", responses={**_403, 200: {"content": {"text/csv": {}}}},
            response_class=Response, summary="Periodic report as CSV")
async def report_csv(ctx: RegulatorDep, period: PeriodCode = None, start: date | None = None,
                     end: date | None = None) -> Response:
    built = await _report(ctx, period, start, end)
    return _download(exports.to_csv(built, ctx.actor.lang), "text/csv; charset=utf-8",
                     f"bao-cao-{built.period.start}-{built.period.end}.csv")


@router.get("/reports.pdf", responses={**_403, 200: {"content": {"application/pdf": {}}}},
            response_class=Response, summary="Periodic report as PDF")
async def report_pdf(ctx: RegulatorDep, period: PeriodCode = None, start: date | None = None,
                     end: date | None = None) -> Response:
    built = await _report(ctx, period, start, end)
    names = await repo.province_names(ctx.session, ctx.actor.lang)
    return _download(exports.to_pdf(built, ctx.actor.lang, names), "application/pdf",
                     f"bao-cao-{built.period.start}-{built.period.end}.pdf")


@router.post("/integrity-check", response_model=IntegrityOut, responses=_403,
             summary="Verify the audit log's hash chains and signed checkpoints")
async def integrity_check(ctx: RegulatorDep, db: DatabaseDep) -> IntegrityOut:
    return await integrity.check(ctx, db)
