"""Pure expansion of weekly schedule rules into slot windows (no I/O, easy to reason about).

Rules are written in Vietnam local time (giờ Việt Nam); windows come out as aware UTC
instants. Vietnam has had no daylight saving time since 1975, but the conversion still
goes through the zone database so a rule never depends on a hard-coded offset.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from telehealth.clock import VN_TZ


@dataclass(frozen=True)
class RuleSpec:
    """The fields of a ScheduleRule that decide which slots exist."""

    practitioner_id: uuid.UUID
    weekday: int  # Monday = 0
    start_time: time
    end_time: time
    slot_minutes: int
    mode: str
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class Interval:
    """A closed-open span [start_at, end_at) of aware instants."""

    start_at: datetime
    end_at: datetime

    def overlaps(self, start_at: datetime, end_at: datetime) -> bool:
        return self.start_at < end_at and start_at < self.end_at


@dataclass(frozen=True)
class Window:
    """One slot a practitioner should offer."""

    practitioner_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    mode: str


def local_instant(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=VN_TZ).astimezone(UTC)


def local_day_start(day: date) -> datetime:
    return local_instant(day, time(0, 0))


def local_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def days(first: date, last: date) -> Iterator[date]:
    """Every date from `first` to `last`, both included."""
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


def expand_rule(rule: RuleSpec, first: date, last: date) -> Iterator[Window]:
    """The windows one rule yields on the dates first..last (local), ignoring exceptions."""
    step = timedelta(minutes=rule.slot_minutes)
    start = max(first, rule.valid_from)
    end = min(last, rule.valid_until) if rule.valid_until else last
    for day in days(start, end):
        if day.weekday() != rule.weekday:
            continue
        cursor = local_instant(day, rule.start_time)
        stop = local_instant(day, rule.end_time)
        # A trailing remainder shorter than one slot is not offered: a half slot is useless.
        while cursor + step <= stop:
            yield Window(rule.practitioner_id, cursor, cursor + step, rule.mode)
            cursor += step


def expected_windows(
    rules: Iterable[RuleSpec],
    exceptions: Iterable[Interval],
    *,
    now: datetime,
    horizon_days: int,
) -> list[Window]:
    """Every future window of the rules within the horizon, minus those touching an exception.

    Only windows that start after `now` are produced: the past is never rewritten.
    """
    first = local_today(now)
    last = first + timedelta(days=horizon_days)
    blocked = list(exceptions)
    out: dict[tuple[uuid.UUID, datetime], Window] = {}
    for rule in rules:
        for window in expand_rule(rule, first, last):
            if window.start_at < now:
                continue
            if any(b.overlaps(window.start_at, window.end_at) for b in blocked):
                continue
            # Overlapping rules are refused on input; if old data has them, first one wins.
            out.setdefault((window.practitioner_id, window.start_at), window)
    return sorted(out.values(), key=lambda w: (w.practitioner_id, w.start_at))


def modes_compatible(slot_mode: str, visit_mode: str) -> bool:
    """Whether a slot offered in `slot_mode` can hold a visit in `visit_mode`."""
    return slot_mode == "both" or slot_mode == visit_mode
