"""The report's columns, shared by the page, the CSV and the PDF, with their labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telehealth.i18n import translate
from telehealth.regulator.reports import ACTIVITIES, URGENCIES, Figures, Report


@dataclass(frozen=True)
class Column:
    key: str
    label_key: str
    value: Callable[[Figures], int | float | None]
    percent: bool = False


def _count(name: str) -> Callable[[Figures], int | float | None]:
    return lambda f: getattr(f, name)  # type: ignore[no-any-return]


def _activity(activity: str) -> Callable[[Figures], int | float | None]:
    return lambda f: f.by_activity.get(activity, 0)


def _urgency(urgency: str) -> Callable[[Figures], int | float | None]:
    return lambda f: f.by_urgency.get(urgency, 0)


def columns(report: Report) -> list[Column]:
    """Every figure; the quality columns only if the quality domain's rollups exist."""
    cols = [
        Column("requested", "regulator.report.requested", _count("requested")),
        Column("received", "regulator.report.received", _count("received")),
    ]
    cols += [Column(f"activity.{a}", f"regulator.activity.{a}", _activity(a))
             for a in ACTIVITIES]
    cols += [Column(f"urgency.{u}", f"regulator.urgency.{u}", _urgency(u)) for u in URGENCIES]
    cols += [
        Column("sla_rate", "regulator.report.sla_rate", lambda f: f.sla_rate, percent=True),
        Column("concluded", "regulator.report.concluded", _count("concluded")),
        Column("outcome_rate", "regulator.report.outcome_rate", lambda f: f.outcome_rate,
               percent=True),
        Column("delivery_rate", "regulator.report.delivery_rate", lambda f: f.delivery_rate,
               percent=True),
    ]
    if report.has_quality:
        cols += [
            Column("quality_sessions", "regulator.report.quality_sessions",
                   _count("quality_sessions")),
            Column("mean_mos", "regulator.report.mean_mos", lambda f: f.mean_mos),
        ]
    return cols


def cell(column: Column, figures: Figures) -> str:
    value = column.value(figures)
    if value is None:
        return "–"
    if column.percent:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def label(column: Column, lang: str) -> str:
    return translate(column.label_key, lang)
