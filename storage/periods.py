"""Calendar periods of the ledger: months and half-years, in the deployment's zone.

Pure and without I/O. Turning an aware instant into a local date is the caller's job
(:func:`local_date`); everything here then works on plain dates.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
YEARS = range(1900, 3000)  # a month outside them is a typo (and year 1's "previous" overflows)
_HALF = re.compile(r"^\s*(\d{4})-H([12])\s*$", re.IGNORECASE)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar date of an aware instant in the deployment's zone."""
    return moment.astimezone(tz).date()


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2026, 11)``; written ``2026-11``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份应在 1..12，而不是 {self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` -> Month; ValueError with a Chinese message otherwise."""
        found = _MONTH.match(text)
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) not in YEARS:
            raise ValueError(f"月份应写成 YYYY-MM（例如 2026-11），而不是 {text!r}")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month containing ``day``."""
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        """Its first day."""
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        """Its last day."""
        return _last_day(self.year, self.month)

    @property
    def days(self) -> int:
        """How many days it has."""
        return self.last.day

    def next(self) -> Month:
        """The month after."""
        return Month.of(self.last + timedelta(days=1))

    def previous(self) -> Month:
        """The month before."""
        return Month.of(self.first - timedelta(days=1))

    def half(self) -> HalfYear:
        """The calendar half-year containing it (rule 6)."""
        return HalfYear(self.year, 1 if self.month <= 6 else 2)

    def ended(self, today: date) -> bool:
        """True once ``today`` lies after its last day (rule 7)."""
        return today > self.last

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@functools.cache
def _last_day(year: int, month: int) -> date:
    """The last day of a month (cached: a province's report asks it 50,000 times)."""
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    """A calendar half-year: H1 = January-June, H2 = July-December (rule 6)."""

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError(f"半年应为 1 或 2，而不是 {self.half}")

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """``YYYY-H1`` / ``YYYY-H2`` -> HalfYear."""
        found = _HALF.match(text)
        if found is None:
            raise ValueError(f"半年应写成 YYYY-H1 或 YYYY-H2（例如 2026-H2），而不是 {text!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def months(self) -> tuple[Month, ...]:
        """Its six months, in order."""
        start = 1 if self.half == 1 else 7
        return tuple(Month(self.year, m) for m in range(start, start + 6))

    @property
    def first(self) -> date:
        """Its first day."""
        return self.months[0].first

    @property
    def last(self) -> date:
        """Its last day."""
        return self.months[-1].last

    def ended(self, today: date) -> bool:
        """True once ``today`` lies after its last day."""
        return today > self.last

    def __str__(self) -> str:
        return f"{self.year:04d}-H{self.half}"


def year_months(year: int) -> list[Month]:
    """The twelve months of ``year``."""
    return [Month(year, m) for m in range(1, 13)]


def close_date(month: Month, close_day: int) -> date:
    """The day a month locks: ``close_day`` of the next month (issue 4, rule 8)."""
    return month.next().first.replace(day=close_day)


def is_closed(month: Month, close_day: int, today: date) -> bool:
    """True from the close date on: the grace period runs up to the day before it."""
    return today >= close_date(month, close_day)


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The dates accepted from people and files: ``years`` either side of today.

    Typed and imported dates outside it (0001-01-01, 9999-12-31, a mistyped year) are
    refused instead of being stored as a century of leave or a service entry nobody sees.
    """

    first: date
    last: date

    @classmethod
    def of_settings(cls, now: datetime, tz: ZoneInfo, years: int) -> DateWindow:
        """The window around ``now``'s date in the deployment's zone."""
        return cls.around(local_date(now, tz), years)

    @classmethod
    def around(cls, today: date, years: int) -> DateWindow:
        """From ``years`` before ``today`` to ``years`` after it (29 February falls back)."""
        return cls(_shift_years(today, -years), _shift_years(today, years))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"


def _shift_years(day: date, years: int) -> date:
    year = min(max(day.year + years, 1), 9999)
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return day.replace(year=year, day=28)
