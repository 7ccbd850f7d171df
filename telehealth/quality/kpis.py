"""Service KPIs of a set of facilities over a period (chỉ số chất lượng dịch vụ).

Times to acceptance and to session start come from each request's timeline (the first
`submit`, the first change into accepted or scheduled, the first `start_session`), so a
request forwarded twice is measured from when it was first asked, as the requester lived it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    AppointmentStatus,
    ConnectionCheck,
    ConsultationEvent,
    ConsultationRequest,
    ConsultationStatus,
)
from telehealth.quality import kpi_queries
from telehealth.quality.kpi_queries import KpiFilter
from telehealth.quality.summary import mean, percentile

ACCEPTED = {ConsultationStatus.accepted, ConsultationStatus.scheduled}
AWAITING = {ConsultationStatus.submitted, ConsultationStatus.forwarded}
FINISHED = {
    ConsultationStatus.concluded, ConsultationStatus.closed, ConsultationStatus.declined,
    ConsultationStatus.cancelled, ConsultationStatus.expired,
}
ANSWERED = {ConsultationStatus.concluded, ConsultationStatus.closed}


@dataclass
class Distribution:
    """Minutes: how many, the median and the 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> Distribution:
        def r(v: float | None) -> float | None:
            return round(v, 1) if v is not None else None

        return cls(len(minutes), r(percentile(minutes, 50)), r(percentile(minutes, 90)))


@dataclass
class StationChecks:
    facility_id: uuid.UUID
    name: str
    total: int = 0
    video_ok: int = 0
    audio_only: int = 0
    not_usable: int = 0
    unfinished: int = 0
    rtt_median_ms: float | None = None


@dataclass
class Kpis:
    since: datetime
    until: datetime
    requests: int = 0
    # {activity: {urgency: count}}
    requests_by_activity: dict[str, dict[str, int]] = field(default_factory=dict)
    to_acceptance: Distribution = field(default_factory=Distribution)
    to_session: Distribution = field(default_factory=Distribution)
    sla_breaches: int = 0
    finished: int = 0
    answered: int = 0
    outcome_reported: int = 0
    video_visits: int = 0
    video_visits_due: int = 0
    video_visits_held: int = 0
    sessions: int = 0
    session_minutes: Distribution = field(default_factory=Distribution)
    sessions_graded: int = 0
    sessions_poor: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    rating_mean: float | None = None
    rating_histogram: dict[int, int] = field(default_factory=dict)
    stations: list[StationChecks] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def completion_rate(self) -> float | None:
        """Requests answered (concluded or closed) among those that reached an end."""
        return self._rate(self.answered, self.finished)

    @property
    def outcome_rate(self) -> float | None:
        """Answered requests whose requester reported back how the patient fared."""
        return self._rate(self.outcome_reported, self.answered)

    @property
    def visit_completion_rate(self) -> float | None:
        """Video visits due (booked, start passed) that had a live session."""
        return self._rate(self.video_visits_held, self.video_visits_due)

    @property
    def poor_share(self) -> float | None:
        return self._rate(self.sessions_poor, self.sessions_graded)


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 60


def _first(events: Sequence[ConsultationEvent], match: object) -> datetime | None:
    for event in events:
        if match(event):  # type: ignore[operator]
            return event.at
    return None


def _request_figures(
    kpis: Kpis, request: ConsultationRequest, events: Sequence[ConsultationEvent], now: datetime,
    to_acceptance: list[float], to_session: list[float],
) -> None:
    status = ConsultationStatus(request.status)
    activity = kpis.requests_by_activity.setdefault(str(request.activity), {})
    activity[str(request.urgency)] = activity.get(str(request.urgency), 0) + 1
    submitted = _first(events, lambda e: e.action == "submit") or request.submitted_at
    accepted = _first(events, lambda e: e.to_status in ACCEPTED)
    started = _first(events, lambda e: e.action == "start_session")
    if (minutes := _minutes(submitted, accepted)) is not None:
        to_acceptance.append(minutes)
    if (minutes := _minutes(submitted, started)) is not None:
        to_session.append(minutes)
    escalated = any(e.action == "escalate" for e in events)
    # A breach the escalation job has not reached yet still counts.
    overdue = status in AWAITING and request.due_at is not None and request.due_at < now
    kpis.sla_breaches += escalated or overdue
    if status in FINISHED:
        kpis.finished += 1
    if status in ANSWERED:
        kpis.answered += 1
        kpis.outcome_reported += bool(request.patient_outcome and request.patient_outcome.strip())


async def compute(session: AsyncSession, f: KpiFilter, now: datetime) -> Kpis:
    kpis = Kpis(since=f.since, until=f.until)

    requests = await kpi_queries.consultation_requests(session, f)
    timeline = await kpi_queries.timeline(session, [r.id for r in requests])
    to_acceptance: list[float] = []
    to_session: list[float] = []
    for request in requests:
        _request_figures(kpis, request, timeline[request.id], now, to_acceptance, to_session)
    kpis.requests = len(requests)
    kpis.to_acceptance = Distribution.of(to_acceptance)
    kpis.to_session = Distribution.of(to_session)

    sessions = await kpi_queries.live_sessions(session, f)
    held = {live.resource_id for live, _ in sessions if live.kind == "appointment"}
    visits = await kpi_queries.video_appointments(session, f)
    kpis.video_visits = len(visits)
    due = [a for a in visits if a.status != AppointmentStatus.cancelled and a.start_at <= now]
    kpis.video_visits_due = len(due)
    kpis.video_visits_held = sum(a.id in held for a in due)

    kpis.sessions = len(sessions)
    kpis.session_minutes = Distribution.of(
        [m for live, _ in sessions if (m := _minutes(live.started_at, live.ended_at)) is not None]
    )
    grades = Counter(roll.grade for _, roll in sessions if roll is not None and roll.grade)
    kpis.grades = dict(grades)
    kpis.sessions_graded = sum(grades.values())
    kpis.sessions_poor = grades.get("poor", 0)

    ratings = await kpi_queries.ratings(session, f)
    kpis.ratings = len(ratings)
    scores = [r.score for r in ratings]
    average = mean(scores)
    kpis.rating_mean = round(average, 2) if average is not None else None
    kpis.rating_histogram = {score: scores.count(score) for score in range(1, 6)}

    kpis.stations = _stations(await kpi_queries.connection_checks(session, f))
    return kpis


def _stations(rows: Sequence[tuple[ConnectionCheck, str]]) -> list[StationChecks]:
    stations: dict[uuid.UUID, StationChecks] = {}
    rtts: dict[uuid.UUID, list[float]] = {}
    for check, name in rows:
        if check.facility_id is None:
            continue
        facility_id = check.facility_id
        station = stations.setdefault(facility_id, StationChecks(facility_id, name))
        station.total += 1
        if check.verdict is None:
            station.unfinished += 1
        else:
            verdict = str(check.verdict)
            setattr(station, verdict, getattr(station, verdict) + 1)
        if check.rtt_ms is not None:
            rtts.setdefault(facility_id, []).append(check.rtt_ms)
    for facility_id, values in rtts.items():
        median = percentile(values, 50)
        stations[facility_id].rtt_median_ms = round(median, 1) if median is not None else None
    return sorted(stations.values(), key=lambda s: s.name)
