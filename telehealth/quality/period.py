"""Dashboard periods: whole days in Vietnam time, turned into UTC instants."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from telehealth.clock import VN_TZ, to_local
from telehealth.errors import ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2


def period(
    start: date | None, end: date | None, now: datetime
) -> tuple[date, date, datetime, datetime]:
    """(first day, last day, since, until): `until` is the midnight after the last day."""
    last = end or to_local(now).date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed("quality.errors.bad_period")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed("quality.errors.period_too_long")
    since = datetime.combine(first, time(0), VN_TZ)
    until = datetime.combine(last + timedelta(days=1), time(0), VN_TZ)
    return first, last, since, until
