"""Turning a computed report into its API shape."""

from __future__ import annotations

from telehealth.regulator.reports import Figures, Report, Row
from telehealth.regulator.schemas import FiguresOut, ReportOut, ReportRowOut


def figures_out(figures: Figures, has_quality: bool) -> FiguresOut:
    return FiguresOut(
        requested=figures.requested, received=figures.received,
        by_activity=figures.by_activity, by_urgency=figures.by_urgency,
        sla_met=figures.sla_met, sla_due=figures.sla_due, sla_rate=figures.sla_rate,
        concluded=figures.concluded, outcome_reported=figures.outcome_reported,
        outcome_rate=figures.outcome_rate, delivered=figures.delivered,
        delivery_rate=figures.delivery_rate,
        quality_sessions=figures.quality_sessions if has_quality else None,
        mean_mos=figures.mean_mos if has_quality else None,
        quality_good=figures.quality_good if has_quality else None,
    )


def _row(row: Row, has_quality: bool) -> ReportRowOut:
    return ReportRowOut(key=row.key, name=row.name, province_code=row.province_code,
                        figures=figures_out(row.figures, has_quality))


def report_out(report: Report) -> ReportOut:
    q = report.has_quality
    return ReportOut(
        start=report.period.start, end=report.period.end, period=report.period.code,
        province_code=report.province_code, has_quality=q,
        total=figures_out(report.total, q),
        facilities=[_row(r, q) for r in report.facilities],
        provinces=[_row(r, q) for r in report.provinces],
        generated_at=report.generated_at,
    )
