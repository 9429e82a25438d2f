"""Months, half-years and the month lock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.periods import HalfYear, Month, close_date, is_closed, local_date


def test_month_parse_and_print() -> None:
    assert str(Month.parse("2026-3")) == "2026-03"


def test_month_parse_refuses_month_13() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("2026-13")


def test_june_is_in_first_half_july_in_second() -> None:
    assert (Month(2026, 6).half(), Month(2026, 7).half()) == (HalfYear(2026, 1), HalfYear(2026, 2))


def test_half_year_parse_and_bounds() -> None:
    half = HalfYear.parse("2026-h2")
    assert (half.first, half.last) == (date(2026, 7, 1), date(2026, 12, 31))


def test_february_last_day_in_leap_year() -> None:
    assert Month(2028, 2).last == date(2028, 2, 29)


def test_month_closes_on_close_day_of_next_month() -> None:
    assert close_date(Month(2026, 12), 5) == date(2027, 1, 5)


def test_month_still_open_the_day_before_close_day() -> None:
    assert not is_closed(Month(2026, 11), 5, date(2026, 12, 4))


def test_month_closed_on_close_day() -> None:
    assert is_closed(Month(2026, 11), 5, date(2026, 12, 5))


def test_local_date_uses_deployment_zone() -> None:
    late_utc = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on Dec 1 in Shanghai
    assert local_date(late_utc, ZoneInfo("Asia/Shanghai")) == date(2026, 12, 1)
