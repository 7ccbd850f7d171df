"""Reporting periods: quarter, half-year, year, or any range of days, in Vietnam time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from telehealth.clock import VN_TZ
from telehealth.errors import ValidationFailed
from telehealth.i18n import translate

_CODE = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>Q[1-4]|H[12]))?$")
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    """Days `start` to `end` inclusive; `code` is "2026-Q4", "2026-H2", "2026" or None."""

    start: date
    end: date
    code: str | None = None

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), VN_TZ).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), VN_TZ).astimezone(UTC)

    def label(self, lang: str) -> str:
        if self.code and "-Q" in self.code:
            return translate("regulator.period.quarter", lang, n=self.code[-1],
                             year=self.start.year)
        if self.code and "-H" in self.code:
            return translate(f"regulator.period.half{self.code[-1]}", lang, year=self.start.year)
        if self.code:
            return translate("regulator.period.year", lang, year=self.start.year)
        return translate("regulator.period.range", lang, start=self.start.strftime("%d/%m/%Y"),
                         end=self.end.strftime("%d/%m/%Y"))


def from_code(code: str) -> Period:
    match = _CODE.match(code.strip().upper())
    if match is None:
        raise ValidationFailed("regulator.errors.bad_period")
    year, part = int(match["year"]), match["part"]
    if part is None:
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}")
    if part[0] == "H":
        first_month = 1 if part == "H1" else 7
        months = 6
    else:
        first_month = 3 * (int(part[1]) - 1) + 1
        months = 3
    start = date(year, first_month, 1)
    next_month = first_month + months
    after = date(year + 1, 1, 1) if next_month > 12 else date(year, next_month, 1)
    return Period(start, after - timedelta(days=1), f"{year}-{part}")


def current_quarter(today: date) -> Period:
    return from_code(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


def resolve(code: str | None, start: date | None, end: date | None, today: date) -> Period:
    """A period from a code, or from two dates, or the current quarter."""
    if start is not None or end is not None:
        if start is None or end is None or end < start:
            raise ValidationFailed("regulator.errors.bad_range")
        if (end - start).days > MAX_DAYS:
            raise ValidationFailed("regulator.errors.range_too_long")
        return Period(start, end)
    if code:
        return from_code(code)
    return current_quarter(today)


def local_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()
