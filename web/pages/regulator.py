"""The regulator portal: audit search, consultation register, periodic reports, integrity."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from telehealth.deps import DatabaseDep
from telehealth.errors import AppError
from telehealth.i18n import translate
from telehealth.models import ConsultationStatus
from telehealth.regulator import integrity, service
from telehealth.regulator import repository as repo
from telehealth.regulator.charts import Bar, bar_chart
from telehealth.regulator.columns import cell, columns, label
from telehealth.regulator.context import RegulatorContext, RegulatorDep
from telehealth.regulator.periods import Period, local_today, resolve
from telehealth.regulator.reports import ACTIVITIES, Report
from telehealth.regulator.scope import facilities
from web.templating import page_language, render

router = APIRouter()
PAGE_SIZE = 50


def _period_options(today: date) -> list[str]:
    """This year's and last year's quarters, halves and years, newest first."""
    options = []
    for year in (today.year, today.year - 1):
        options += [f"{year}-Q{q}" for q in (4, 3, 2, 1)] + [f"{year}-H2", f"{year}-H1", str(year)]
    return options


async def _scope_text(ctx: RegulatorContext, lang: str) -> str:
    if ctx.scope.province_code is None:
        return translate("regulator.scope.national", lang)
    names = await repo.province_names(ctx.session, lang)
    return translate("regulator.scope.province", lang,
                         name=names.get(ctx.scope.province_code, ctx.scope.province_code))


def _period(ctx: RegulatorContext, period: str | None, start: str | None,
            end: str | None) -> Period:
    return resolve(period or None, date.fromisoformat(start) if start else None,
                   date.fromisoformat(end) if end else None, local_today(ctx.now))


@router.get("/regulator")
async def home(request: Request, ctx: RegulatorDep) -> Response:
    lang = page_language(request)
    return render(request, "regulator/home.html", {"scope": await _scope_text(ctx, lang)})


async def _audit_context(ctx: RegulatorContext, lang: str) -> dict[str, Any]:
    return {"facilities": await facilities(ctx.session, ctx.scope),
            "scope": await _scope_text(ctx, lang), "form": {}, "page": None}


@router.get("/regulator/audit")
async def audit_form(request: Request, ctx: RegulatorDep) -> Response:
    lang = page_language(request)
    return render(request, "regulator/audit.html", await _audit_context(ctx, lang))


def _audit_query(ctx: RegulatorContext, form: dict[str, str]) -> service.AuditQuery:
    def uid(name: str) -> uuid.UUID | None:
        return uuid.UUID(form[name]) if form.get(name) else None

    period = None
    if form.get("start") or form.get("end"):
        period = _period(ctx, None, form.get("start"), form.get("end"))
    return service.AuditQuery(
        facility_id=uid("facility_id"), user_id=uid("user_id"),
        national_id=form.get("national_id") or None, purpose=form.get("purpose") or None,
        action=form.get("action") or None, period=period)


_AUDIT_FIELDS = ("facility_id", "user_id", "national_id", "purpose", "action", "start", "end")


async def _audit_form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(data.get(k, "")).strip() for k in (*_AUDIT_FIELDS, "offset")}


@router.post("/regulator/audit")
async def audit_search(request: Request, ctx: RegulatorDep) -> Response:
    lang = page_language(request)
    form = await _audit_form(request)
    context = await _audit_context(ctx, lang)
    context["form"] = form
    try:
        offset = max(int(form.get("offset") or 0), 0)
        context["page"] = await service.search_audit(ctx, _audit_query(ctx, form),
                                                     limit=PAGE_SIZE, offset=offset)
    except (AppError, ValueError) as exc:
        key = exc.key if isinstance(exc, AppError) else "errors.validation_error"
        params = exc.params if isinstance(exc, AppError) else {}
        context["error"] = translate(key, lang, **params)
        status = exc.status_code if isinstance(exc, AppError) else 422
        return render(request, "regulator/audit.html", context, status_code=status)
    return render(request, "regulator/audit.html", context)


@router.post("/regulator/audit/fhir")
async def audit_fhir(request: Request, ctx: RegulatorDep) -> Response:
    form = await _audit_form(request)
    bundle = await service.export_fhir(ctx, _audit_query(ctx, form))
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json",
                    headers={"Content-Disposition": 'attachment; filename="audit-events.json"'})


@router.get("/regulator/register")
async def register_page(
    request: Request, ctx: RegulatorDep, period: str | None = None, start: str | None = None,
    end: str | None = None, facility_id: uuid.UUID | None = None,
    status: ConsultationStatus | None = None, page: int = 1,
) -> Response:
    chosen = _period(ctx, period, start, end)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    result = await service.register(ctx, chosen, facility_id=facility_id, status=status,
                                    limit=PAGE_SIZE, offset=offset)
    return render(request, "regulator/register.html", {
        "result": result, "period": chosen, "period_code": chosen.code,
        "options": _period_options(local_today(ctx.now)), "statuses": list(ConsultationStatus),
        "facilities": await facilities(ctx.session, ctx.scope), "facility_id": facility_id,
        "status": status, "page": max(page, 1),
        "pages": max((result.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    })


@router.get("/regulator/register/{consultation_id}")
async def register_entry(request: Request, ctx: RegulatorDep,
                         consultation_id: uuid.UUID) -> Response:
    entry = await service.entry(ctx, consultation_id)
    return render(request, "regulator/entry.html", {"entry": entry})


def _charts(report: Report, lang: str) -> list[Any]:
    received = [Bar(r.name, r.figures.received, str(r.figures.received))
                for r in report.facilities if r.figures.received]
    activity = [Bar(translate(f"regulator.activity.{a}", lang),
                    report.total.by_activity.get(a, 0), str(report.total.by_activity.get(a, 0)))
                for a in ACTIVITIES]
    sla = [Bar(r.name, (r.figures.sla_rate or 0) * 100, f"{(r.figures.sla_rate or 0) * 100:.1f}%")
           for r in report.facilities if r.figures.sla_rate is not None]
    charts = [bar_chart(translate("regulator.report.chart_activity", lang), activity)]
    if received:
        charts.insert(0, bar_chart(translate("regulator.report.chart_received", lang),
                                   received))
    if sla:
        charts.append(bar_chart(translate("regulator.report.chart_sla", lang), sla,
                                maximum=100))
    return charts


@router.get("/regulator/reports")
async def reports_page(request: Request, ctx: RegulatorDep, period: str | None = None,
                       start: str | None = None, end: str | None = None) -> Response:
    lang = page_language(request)
    chosen = _period(ctx, period, start, end)
    report = await service.report(ctx, chosen)
    query = (f"period={chosen.code}" if chosen.code
             else f"start={chosen.start.isoformat()}&end={chosen.end.isoformat()}")
    cols = columns(report)
    return render(request, "regulator/reports.html", {
        "report": report, "period": chosen, "options": _period_options(local_today(ctx.now)),
        "columns": [(label(c, lang), c) for c in cols], "cell": cell,
        "charts": _charts(report, lang), "query": query,
        "scope": await _scope_text(ctx, lang),
    })


@router.get("/regulator/integrity")
async def integrity_page(request: Request, ctx: RegulatorDep) -> Response:
    return render(request, "regulator/integrity.html", {"result": None})


@router.post("/regulator/integrity")
async def integrity_run(request: Request, ctx: RegulatorDep, db: DatabaseDep) -> Response:
    result = await integrity.check(ctx, db)
    return render(request, "regulator/integrity.html", {"result": result})
