"""Quality API: a session's quality, a facility's sessions, the KPI dashboard (JSON and CSV),
patients' ratings of their video visits, and the ingestion counters."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import FacilityAdminActor, PatientActor, require_roles
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.models import Role
from telehealth.quality import export, ratings, service
from telehealth.quality.period import period
from telehealth.quality.schemas import (
    IngestStatus,
    KpisOut,
    RatingIn,
    RatingOut,
    SessionListItem,
    SessionQualityOut,
)
from telehealth.quality.scope import DASHBOARD_ROLES

router = APIRouter(prefix="/quality", tags=["call quality"])

DashboardActor = Annotated[Actor, Depends(require_roles(*DASHBOARD_ROLES))]
OperatorActor = Annotated[Actor, Depends(require_roles(Role.system_admin))]


@router.get("/sessions", response_model=list[SessionListItem],
            summary="My facility's live sessions with their quality grade")
async def list_sessions(
    actor: FacilityAdminActor, session: SessionDep, clock: ClockDep
) -> list[SessionListItem]:
    rows = await service.facility_sessions(session, actor, clock.now())
    return [
        SessionListItem(
            room=live.room, kind=live.kind, resource_id=live.resource_id,
            started_at=live.started_at, ended_at=live.ended_at,
            grade=roll.grade if roll else None, mos=roll.mos if roll else None,
        )
        for live, roll in rows
    ]


@router.get(
    "/sessions/{kind}/{resource_id}",
    response_model=SessionQualityOut,
    summary="One session's quality: summary, grade and per-participant series",
    description="For administrators of a facility that held the session; audited "
    "(`session.quality.read`). 404 for anyone else.",
)
async def read_session(
    kind: str, resource_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep
) -> SessionQualityOut:
    return SessionQualityOut.of(await service.session_quality(session, actor, kind, resource_id))


DateFrom = Annotated[date | None, Query(alias="from", description="First day (Vietnam time)")]
DateTo = Annotated[date | None, Query(alias="to", description="Last day, included")]


@router.get("/dashboard", response_model=KpisOut, summary="Service KPIs of a period")
async def read_dashboard(
    actor: DashboardActor,
    session: SessionDep,
    clock: ClockDep,
    facility_id: uuid.UUID | None = None,
    specialty_id: uuid.UUID | None = None,
    start: DateFrom = None,
    end: DateTo = None,
) -> KpisOut:
    now = clock.now()
    _, _, since, until = period(start, end, now)
    scope, k = await service.dashboard(
        session, actor, facility_id=facility_id, specialty_id=specialty_id,
        since=since, until=until, now=now,
    )
    return KpisOut.of(k, scope.facility_ids)


@router.get("/dashboard.csv", summary="Service KPIs of a period, as CSV",
            response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def export_dashboard(
    actor: DashboardActor,
    session: SessionDep,
    clock: ClockDep,
    facility_id: uuid.UUID | None = None,
    specialty_id: uuid.UUID | None = None,
    start: DateFrom = None,
    end: DateTo = None,
) -> Response:
    now = clock.now()
    first, last, since, until = period(start, end, now)
    scope, k = await service.dashboard(
        session, actor, facility_id=facility_id, specialty_id=specialty_id,
        since=since, until=until, now=now,
    )
    label = export.scope_label(scope)
    return Response(
        export.to_csv(k, label),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="quality-{first}-{last}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _rating_out(rating: ratings.VisitRating) -> RatingOut:
    return RatingOut(
        appointment_id=rating.appointment_id, score=rating.score, comment=rating.comment,
        created_at=rating.created_at, updated_at=rating.updated_at,
        editable_until=rating.created_at + ratings.EDITABLE_FOR,
    )


@router.put(
    "/visits/{appointment_id}/rating",
    response_model=RatingOut,
    summary="Rate a video visit (patient)",
    description="Only the visit's patient, once they took part in its session; 1–5 and a "
    "comment. A second PUT within 24 h of the first changes it; later it is 409 "
    "`rating_locked`.",
    responses={404: {"description": "Not your video visit, or it did not take place"},
               409: {"description": "`rating_locked` or `visit_not_yet`"}},
)
async def rate_visit(
    appointment_id: uuid.UUID, body: RatingIn, actor: PatientActor, session: SessionDep,
    clock: ClockDep, response: Response,
) -> RatingOut:
    rating, created = await ratings.rate_visit(
        session, actor, appointment_id, body.score, body.comment, clock.now()
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _rating_out(rating)


@router.get("/visits/{appointment_id}/rating", response_model=RatingOut | None,
            summary="My rating of a video visit (null when not rated yet)")
async def read_rating(
    appointment_id: uuid.UUID, actor: PatientActor, session: SessionDep
) -> RatingOut | None:
    visit = await ratings.ratable_visit(session, actor, appointment_id)
    return _rating_out(visit.rating) if visit.rating else None


@router.get("/ingest-status", response_model=IngestStatus,
            summary="Quality ingestion counters of this process (accepted, dropped, invalid)")
async def ingest_status(request: Request, _: OperatorActor) -> IngestStatus:
    platform = request.app.state.live_sessions.platform
    return IngestStatus(**platform.status())
