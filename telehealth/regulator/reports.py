"""The Ministry's periodic report: per facility and per province, from the raw tables.

A consultation is counted once as *requested* by its requesting facility and once as
*received* by its consulting facility (the one providing the remote service); the
breakdowns, SLA, outcome, delivery and quality figures are over the received ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from telehealth.models import ConsultationActivity, ConsultationUrgency, Facility
from telehealth.regulator.linked import CallQuality
from telehealth.regulator.periods import Period
from telehealth.regulator.repository import ReportFacts

ACTIVITIES = [a.value for a in ConsultationActivity]
URGENCIES = [u.value for u in ConsultationUrgency]


@dataclass
class Figures:
    requested: int = 0
    received: int = 0
    by_activity: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIVITIES, 0))
    by_urgency: dict[str, int] = field(default_factory=lambda: dict.fromkeys(URGENCIES, 0))
    # SLA: accepted before the deadline, among requests accepted or past their deadline.
    sla_met: int = 0
    sla_due: int = 0
    concluded: int = 0
    outcome_reported: int = 0
    delivered: int = 0
    quality_sessions: int = 0
    quality_mos_sum: float = 0.0
    quality_mos_count: int = 0
    quality_good: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def sla_rate(self) -> float | None:
        return self._rate(self.sla_met, self.sla_due)

    @property
    def outcome_rate(self) -> float | None:
        return self._rate(self.outcome_reported, self.concluded)

    @property
    def delivery_rate(self) -> float | None:
        return self._rate(self.delivered, self.concluded)

    @property
    def mean_mos(self) -> float | None:
        return self.quality_mos_sum / self.quality_mos_count if self.quality_mos_count else None

    def add_received(self, facts: ReportFacts, now: datetime, delivered: bool,
                     quality: CallQuality | None) -> None:
        self.received += 1
        self.by_activity[facts.activity] = self.by_activity.get(facts.activity, 0) + 1
        self.by_urgency[facts.urgency] = self.by_urgency.get(facts.urgency, 0) + 1
        if facts.due_at is not None and (facts.accepted_at is not None or facts.due_at <= now):
            self.sla_due += 1
            if facts.accepted_at is not None and facts.accepted_at <= facts.due_at:
                self.sla_met += 1
        if facts.concluded_at is not None:
            self.concluded += 1
            self.outcome_reported += facts.outcome_reported
            self.delivered += delivered
        if quality is not None:
            self.quality_sessions += quality.sessions
            self.quality_mos_sum += quality.mos_sum
            self.quality_mos_count += quality.mos_count
            self.quality_good += quality.good


@dataclass(frozen=True)
class Row:
    key: str  # facility id or province code
    name: str
    province_code: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    period: Period
    province_code: str | None  # the jurisdiction; None: national
    facilities: list[Row]
    provinces: list[Row]
    total: Figures
    has_quality: bool  # False: the quality domain's rollups are not in this deployment
    generated_at: datetime


def build(
    *,
    period: Period,
    province_code: str | None,
    facts: Iterable[ReportFacts],
    facilities: Mapping[uuid.UUID, Facility],
    province_names: Mapping[str, str],
    delivered: Mapping[uuid.UUID, str],
    quality: Mapping[uuid.UUID, CallQuality] | None,
    now: datetime,
) -> Report:
    """`facilities` holds the facilities in scope: rows for the others are not shown."""
    per_facility = {fid: Figures() for fid in facilities}
    per_province = {code: Figures() for code in {f.province_code for f in facilities.values()}}
    total = Figures()
    for item in facts:
        if item.requesting_facility_id in facilities:
            per_facility[item.requesting_facility_id].requested += 1
            per_province[facilities[item.requesting_facility_id].province_code].requested += 1
            total.requested += 1
        consulting = facilities.get(item.consulting_facility_id)
        if consulting is None:
            continue
        args = (item, now, delivered.get(item.id) == "delivered",
                quality.get(item.id) if quality is not None else None)
        per_facility[consulting.id].add_received(*args)
        per_province[consulting.province_code].add_received(*args)
        total.add_received(*args)
    facility_rows = sorted(
        (Row(str(fid), f.name, f.province_code, per_facility[fid])
         for fid, f in facilities.items()
         if per_facility[fid].requested or per_facility[fid].received),
        key=lambda r: (r.province_code, -r.figures.received, r.name),
    )
    province_rows = sorted(
        (Row(code, province_names.get(code, code), code, figures)
         for code, figures in per_province.items() if figures.requested or figures.received),
        key=lambda r: r.key,
    )
    return Report(period, province_code, facility_rows, province_rows, total,
                  quality is not None, now)
