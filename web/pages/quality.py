"""Quality pages: the KPI dashboard, a facility's sessions and one session's charts, and the
patient's rating of a video visit."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import FacilityAdminActor, PatientActor, require_roles
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.errors import AppError, ValidationFailed
from telehealth.i18n import translate
from telehealth.models import Specialty
from telehealth.quality import ratings, service
from telehealth.quality.charts import Line, bar_chart, line_chart, stacked_bars
from telehealth.quality.kpis import Kpis
from telehealth.quality.period import period
from telehealth.quality.scope import DASHBOARD_ROLES
from telehealth.quality.service import SessionView
from web.templating import page_language, render

router = APIRouter()
DashboardActor = Annotated[Actor, Depends(require_roles(*DASHBOARD_ROLES))]

# (series key, translation key of the chart title, unit)
SESSION_CHARTS = (
    ("rtt_ms", "quality.charts.rtt", "ms"),
    ("jitter_ms", "quality.charts.jitter", "ms"),
    ("loss_percent", "quality.charts.loss", "%"),
    ("bitrate_in_kbps", "quality.charts.bitrate", "kbit/s"),
    ("fps", "quality.charts.fps", "fps"),
    ("mos", "quality.charts.mos", "MOS"),
    ("freezes", "quality.charts.freezes", ""),
    ("audio_only", "quality.charts.audio_only", ""),
)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise ValidationFailed("quality.errors.bad_filter") from None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationFailed("quality.errors.bad_period") from None


def _dashboard_charts(k: Kpis, t: Any) -> dict[str, Any]:
    activity_rows = [
        (t(f"quality.activity.{activity}"),
         [(u, float(urgencies.get(u, 0))) for u in ("emergency", "urgent", "routine")])
        for activity, urgencies in sorted(k.requests_by_activity.items())
    ]
    waits = [
        (t("quality.kpi.to_acceptance_median"), k.to_acceptance.median or 0.0),
        (t("quality.kpi.to_acceptance_p90"), k.to_acceptance.p90 or 0.0),
        (t("quality.kpi.to_session_median"), k.to_session.median or 0.0),
        (t("quality.kpi.to_session_p90"), k.to_session.p90 or 0.0),
    ]
    grades = [(t("quality.kpi.sessions"),
               [(g, float(k.grades.get(g, 0))) for g in ("good", "fair", "poor")])]
    ratings_bars = [(f"{'★' * score}", float(count))
                    for score, count in sorted(k.rating_histogram.items(), reverse=True)]
    stations = [
        (s.name, [("video_ok", float(s.video_ok)), ("audio_only", float(s.audio_only)),
                  ("not_usable", float(s.not_usable)), ("unfinished", float(s.unfinished))])
        for s in k.stations
    ]
    return {
        "activity": stacked_bars(t("quality.charts.requests"), activity_rows)
        if activity_rows else None,
        "waits": bar_chart(t("quality.charts.waits"), waits, unit=" min"),
        "grades": stacked_bars(t("quality.charts.grades"), grades) if k.sessions_graded else None,
        "ratings": bar_chart(t("quality.charts.ratings"), ratings_bars, css="s2")
        if k.ratings else None,
        "stations": stacked_bars(t("quality.charts.stations"), stations) if stations else None,
    }


@router.get("/quality")
async def dashboard_page(
    request: Request, actor: DashboardActor, session: SessionDep, clock: ClockDep
) -> Response:
    q = request.query_params
    now = clock.now()
    first, last, since, until = period(_date(q.get("from")), _date(q.get("to")), now)
    facility_id, specialty_id = _uuid(q.get("facility_id")), _uuid(q.get("specialty_id"))
    scope, k = await service.dashboard(
        session, actor, facility_id=facility_id, specialty_id=specialty_id,
        since=since, until=until, now=now,
    )
    lang = page_language(request)

    def t(key: str, **params: Any) -> str:
        return translate(key, lang, **params)

    specialties = (await session.execute(select(Specialty).order_by(col(Specialty.name_vi))))
    filters = {"from": first.isoformat(), "to": last.isoformat()}
    if facility_id:
        filters["facility_id"] = str(facility_id)
    if specialty_id:
        filters["specialty_id"] = str(specialty_id)
    return render(request, "quality/dashboard.html", {
        "k": k, "scope": scope, "charts": _dashboard_charts(k, t),
        "specialties": specialties.scalars().all(), "first": first, "last": last,
        "facility_id": facility_id, "specialty_id": specialty_id,
        "csv_url": "/api/v1/quality/dashboard.csv?" + urlencode(filters),
    })


@router.get("/quality/sessions")
async def sessions_page(
    request: Request, actor: FacilityAdminActor, session: SessionDep, clock: ClockDep
) -> Response:
    rows = await service.facility_sessions(session, actor, clock.now())
    return render(request, "quality/sessions.html", {"rows": rows})


def _session_charts(view: SessionView, lang: str) -> list[Any]:
    end = max(
        (p["t"] + view.participants[0].series.get("bucket_seconds", 5)
         for person in view.participants for p in person.series.get("points", [])),
        default=None,
    )
    charts = []
    for key, title, unit in SESSION_CHARTS:
        lines = []
        for person in view.participants:
            points = []
            for point in person.series.get("points", []):
                value = point.get(key)
                if isinstance(value, bool):
                    value = 1.0 if value else 0.0
                points.append((float(point["t"]), value))
            label = person.display_name or translate(f"quality.role.{person.role}", lang)
            lines.append(Line(label, points))
        charts.append(line_chart(translate(title, lang), lines, unit=unit, x_max=end))
    return charts


@router.get("/quality/sessions/{kind}/{resource_id}")
async def session_page(
    request: Request, kind: str, resource_id: uuid.UUID, actor: FacilityAdminActor,
    session: SessionDep,
) -> Response:
    view = await service.session_quality(session, actor, kind, resource_id)
    lang = page_language(request)
    return render(request, "quality/session.html", {
        "view": view, "charts": _session_charts(view, lang),
        "series_classes": [f"s{i % 6}" for i in range(len(view.participants))],
    })


@router.get("/quality/visits")
async def my_visits_page(
    request: Request, actor: PatientActor, session: SessionDep, clock: ClockDep
) -> Response:
    now = clock.now()
    visits = await ratings.my_ratable_visits(session, actor, now)
    return render(request, "quality/visits.html", {"visits": visits, "now": now})


@router.get("/quality/visits/{appointment_id}/rate")
async def rate_page(
    request: Request, appointment_id: uuid.UUID, actor: PatientActor, session: SessionDep,
    clock: ClockDep,
) -> Response:
    visit = await ratings.ratable_visit(session, actor, appointment_id)
    return render(request, "quality/rate.html",
                  {"visit": visit, "editable": visit.editable(clock.now()), "error": None})


@router.post("/quality/visits/{appointment_id}/rate")
async def rate_submit(
    request: Request,
    appointment_id: uuid.UUID,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    score: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    now = clock.now()
    if score not in {"1", "2", "3", "4", "5"}:
        visit = await ratings.ratable_visit(session, actor, appointment_id)
        return render(request, "quality/rate.html", {
            "visit": visit, "editable": visit.editable(now),
            "error": translate("quality.rating.pick_score", page_language(request)),
        }, status_code=422)
    try:
        await ratings.rate_visit(session, actor, appointment_id, int(score), comment, now)
    except AppError as exc:
        if exc.status_code != 409:
            raise
        visit = await ratings.ratable_visit(session, actor, appointment_id)
        return render(request, "quality/rate.html", {
            "visit": visit, "editable": False,
            "error": translate(exc.key, page_language(request)),
        }, status_code=409)
    return RedirectResponse("/quality/visits?rated=1", status_code=303)
