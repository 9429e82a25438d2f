"""The month report: one row per counsel-village-month, judged by :mod:`storage.quota`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.periods import Month
from storage.quota import MonthResult, judge_month, lectures_over_allowance
from storage.services.reports import queries
from storage.services.reports.queries import Pair, PairKey
from storage.services.scope import EVERYWHERE, Scope, county_ids

_PAIR_FIELDS = ("counsel_id", "counsel_name", "village_id", "village_name", "county")
_RESULT_FIELDS = (
    "month",
    "onsite",
    "visits",
    "offsite",
    "offsite_uncounted",
    "offsite_credited",
    "credited",
    "required",
    "shortfall",
    "status",
    "flexible",
    "halfyear_onsite",
)
REPORT_FIELDS = _PAIR_FIELDS + _RESULT_FIELDS


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One counsel-village-month of a report."""

    pair: Pair
    result: MonthResult

    def as_dict(self) -> dict[str, Any]:
        """The row as the report's fields (:data:`REPORT_FIELDS`), in order."""
        row = {f: getattr(self.pair, f) for f in _PAIR_FIELDS}
        row |= {f: getattr(self.result, f) for f in _RESULT_FIELDS}
        row["month"] = str(self.result.month)
        return row


async def month_report(
    session: AsyncSession, month: Month, settings: Settings, today: date, scope: Scope = EVERYWHERE
) -> list[ReportRow]:
    """One row per counsel-village assignment active in ``month``."""
    return await judge_months(session, [month], settings, today, scope)


async def judge_months(
    session: AsyncSession,
    months: Sequence[Month],
    settings: Settings,
    today: date,
    scope: Scope = EVERYWHERE,
) -> list[ReportRow]:
    """Judge every active counsel-village in each of ``months`` (consecutive, ascending)."""
    first, last = months[0].first, months[-1].last
    counties = await county_ids(session, scope)
    pairs = await queries.pairs(session, first, last, counties, scope.counsel_id)
    if not pairs:
        return []
    entries = await queries.entries(session, first, last, counties, scope.counsel_id)
    halves = sorted({m.half() for m in months})
    onsite = await queries.halfyear_onsite(session, halves, counties, scope.counsel_id)
    over = await _over_allowance(session, first.year, last, settings, pairs)
    rows: list[ReportRow] = []
    for month in months:
        for key, pair in pairs.items():
            if pair.active_in(month):
                result = judge_month(
                    entries.get((*key, month), []),
                    month=month,
                    quota=settings.quota,
                    today=today,
                    flexible=pair.flexible,
                    halfyear_onsite=onsite.get((*key, month.half()), 0),
                    over_allowance=over,
                )
                rows.append(ReportRow(pair, result))
    return rows


async def _over_allowance(
    session: AsyncSession, year: int, last: date, settings: Settings, pairs: dict[PairKey, Pair]
) -> frozenset[int]:
    """Rule 2: ids of video lectures beyond each counsel's yearly allowance, up to ``last``."""
    counsel_ids = {c for c, _ in pairs}
    by_year = await queries.video_lectures(session, counsel_ids, date(year, 1, 1), last)
    allowance = settings.quota.video_lectures_per_year
    over: set[int] = set()
    for lectures in by_year.values():
        over |= lectures_over_allowance(lectures, allowance)
    return frozenset(over)
