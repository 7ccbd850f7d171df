"""Reading call quality: one session's figures and charts (audited), a facility's sessions,
and the KPI dashboard of the facilities in the caller's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.errors import NotFound
from telehealth.models import LiveSession, QualityFigures, SessionQualityRollup
from telehealth.quality import kpis, repository
from telehealth.quality.kpi_queries import KpiFilter
from telehealth.quality.rollups import compute_room
from telehealth.quality.scope import DashboardScope, dashboard_scope, require_session_access
from telehealth.quality.summary import Figures

ROOM_KINDS = ("appointment", "consultation")
RESOURCE_TYPES = {"appointment": "Appointment", "consultation": "ConsultationRequest"}


@dataclass
class ParticipantView:
    user_id: uuid.UUID
    display_name: str
    role: str
    figures: Figures
    series: dict[str, Any]


@dataclass
class SessionView:
    room: str
    kind: str
    resource_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    figures: Figures
    participants: list[ParticipantView]
    # True: from the stored rollup; False: computed now from raw samples (not rolled up yet).
    stored: bool


def figures_of(row: QualityFigures) -> Figures:
    return Figures(**{f.name: getattr(row, f.name) for f in fields(Figures)})


async def session_quality(
    session: AsyncSession, actor: Actor, kind: str, resource_id: uuid.UUID
) -> SessionView:
    """A session's quality for an administrator of a facility that held it; audited,
    because who talked to whom, when and for how long is part of a patient's record."""
    if kind not in ROOM_KINDS:
        raise NotFound("quality.errors.session_not_found")
    room = f"{kind}:{resource_id}"
    await require_session_access(session, actor, await repository.facilities_of_room(session, room))
    stored = await repository.rollup(session, room)
    if stored is not None:
        people = await repository.participant_rollups(session, room)
        view = SessionView(
            room, kind, resource_id, stored.started_at, stored.ended_at, figures_of(stored),
            [ParticipantView(p.user_id, p.display_name, p.role, figures_of(p), p.series)
             for p in people],
            stored=True,
        )
    else:
        result = await compute_room(session, room)
        if result is None:
            raise NotFound("quality.errors.session_not_found")
        view = SessionView(
            room, kind, resource_id, result.started_at, result.ended_at, result.figures,
            [ParticipantView(p.user_id, p.display_name, p.role, p.figures, p.series)
             for p in result.participants],
            stored=False,
        )
    record(
        session, actor, "session.quality.read",
        resource_type=RESOURCE_TYPES[kind], resource_id=resource_id,
        patient_id=await repository.patient_of_room(session, room),
        purpose="quality_review", detail={"room": room},
    )
    return view


async def facility_sessions(
    session: AsyncSession, actor: Actor, now: datetime
) -> list[tuple[LiveSession, SessionQualityRollup | None]]:
    """The administrator's facility's sessions (no patient data: rooms, times, grades)."""
    if actor.facility_id is None:
        raise NotFound("quality.errors.facility_not_found")
    return await repository.facility_sessions(session, actor.facility_id, now)


async def dashboard(
    session: AsyncSession,
    actor: Actor,
    *,
    facility_id: uuid.UUID | None,
    specialty_id: uuid.UUID | None,
    since: datetime,
    until: datetime,
    now: datetime,
) -> tuple[DashboardScope, kpis.Kpis]:
    scope = await dashboard_scope(session, actor, facility_id)
    f = KpiFilter(scope.facility_ids, specialty_id, since, until)
    return scope, await kpis.compute(session, f, now)
