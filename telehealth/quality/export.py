"""The dashboard as CSV: one figure per row (metric, breakdown, value), for spreadsheets.

A long format rather than a wide one: sections have different breakdowns (activity ×
urgency, station × verdict), and a long table pivots in any spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from telehealth.clock import to_local
from telehealth.quality.kpis import Kpis
from telehealth.quality.scope import DashboardScope

HEADER = ("metric", "breakdown", "value")


def rows(k: Kpis, scope_label: str) -> Iterator[tuple[str, str, Any]]:
    yield "period_from", "", to_local(k.since).date().isoformat()
    yield "period_to", "", to_local(k.until).date().isoformat()
    yield "scope", "", scope_label
    yield "requests", "total", k.requests
    for activity, urgencies in sorted(k.requests_by_activity.items()):
        for urgency, count in sorted(urgencies.items()):
            yield "requests", f"{activity}/{urgency}", count
    for name, dist in (("minutes_to_acceptance", k.to_acceptance),
                       ("minutes_to_session", k.to_session),
                       ("session_minutes", k.session_minutes)):
        yield name, "count", dist.count
        yield name, "median", _blank(dist.median)
        yield name, "p90", _blank(dist.p90)
    yield "sla_breaches", "", k.sla_breaches
    yield "completion_rate_percent", "", _blank(k.completion_rate)
    yield "outcome_reported_rate_percent", "", _blank(k.outcome_rate)
    yield "video_visits", "booked", k.video_visits
    yield "video_visits", "due", k.video_visits_due
    yield "video_visits", "held", k.video_visits_held
    yield "sessions", "total", k.sessions
    yield "sessions", "graded", k.sessions_graded
    for grade in ("good", "fair", "poor"):
        yield "sessions", f"grade_{grade}", k.grades.get(grade, 0)
    yield "poor_quality_share_percent", "", _blank(k.poor_share)
    yield "ratings", "count", k.ratings
    yield "ratings", "mean", _blank(k.rating_mean)
    for score, count in sorted(k.rating_histogram.items()):
        yield "ratings", f"score_{score}", count
    for s in k.stations:
        for field in ("total", "video_ok", "audio_only", "not_usable", "unfinished"):
            yield "connection_checks", f"{s.name}/{field}", getattr(s, field)
        yield "connection_checks", f"{s.name}/rtt_median_ms", _blank(s.rtt_median_ms)


def scope_label(scope: DashboardScope) -> str:
    if scope.chosen_facility_id is not None:
        return dict(scope.choices).get(scope.chosen_facility_id, str(scope.chosen_facility_id))
    if scope.facility_ids is None:
        return "all facilities"
    return f"{len(scope.facility_ids)} facilities"


def _blank(value: float | None) -> Any:
    return "" if value is None else value


def _safe(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: facility names are typed
    # by people, so they are quoted to stay text (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(k: Kpis, scope_label: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for metric, breakdown, value in rows(k, scope_label):
        writer.writerow((metric, _safe(breakdown), _safe(value)))
    return buffer.getvalue()
