"""The month report: one row per counsel-village-month, judged by :mod:`storage.quota`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.ledger_terms import OFFSITE
from storage.periods import Month
from storage.quota import MonthResult, MonthTotals, judge_totals, lectures_over_allowance
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
    """Judge every active counsel-village in each of ``months`` (consecutive, ascending).

    The database sums each counsel-village-month (one ``GROUP BY``); only video lectures,
    whose order decides which exceed the yearly allowance, are read one by one. The
    judgement is :func:`storage.quota.judge_totals`, the arithmetic every caller shares.
    """
    first, last = months[0].first, months[-1].last
    counties = await county_ids(session, scope)
    pairs = await queries.pairs(session, first, last, counties, scope.counsel_id)
    if not pairs:
        return []
    totals = await queries.month_totals(session, first, last, counties, scope.counsel_id)
    everyone = counties is None and scope.counsel_id is None
    over = await _lectures_over(session, first, last, settings, pairs, every_counsel=everyone)
    _take_off_lectures(totals, over)
    halves = sorted({m.half() for m in months})
    onsite = await queries.halfyear_onsite(session, halves, counties, scope.counsel_id)
    rows: list[ReportRow] = []
    for month in months:
        for key, pair in pairs.items():
            if pair.active_in(month):
                result = judge_totals(
                    totals.get((*key, month), NOTHING),
                    month=month,
                    quota=settings.quota,
                    today=today,
                    flexible=pair.flexible,
                    halfyear_onsite=onsite.get((*key, month.half()), 0),
                )
                rows.append(ReportRow(pair, result))
    return rows


NOTHING = MonthTotals()


async def _lectures_over(
    session: AsyncSession,
    first: date,
    last: date,
    settings: Settings,
    pairs: dict[PairKey, Pair],
    *,
    every_counsel: bool,
) -> list[queries.Lecture]:
    """Rule 2: the video lectures from ``first`` to ``last`` beyond each counsel's yearly
    allowance (counted from 1 January of each year the period touches). With
    ``every_counsel`` (a report of everything) they are read without a list of ids."""
    counsel_ids = None if every_counsel else {c for c, _ in pairs}
    by_year = await queries.video_lectures(session, counsel_ids, date(first.year, 1, 1), last)
    allowance = settings.quota.video_lectures_per_year
    over: list[queries.Lecture] = []
    for lectures in by_year.values():
        ids = lectures_over_allowance([lecture.item for lecture in lectures], allowance)
        over += [lec for lec in lectures if lec.item.id in ids and lec.item.day >= first]
    return over


def _take_off_lectures(
    totals: dict[tuple[str, str, Month], MonthTotals], over: Sequence[queries.Lecture]
) -> None:
    """Move the minutes of lectures beyond the allowance from counted to uncounted."""
    for lecture in over:
        item = lecture.item
        key = (lecture.counsel_id, lecture.village_id, Month.of(item.day))
        found = totals.get(key)
        if found is None or item.kind != OFFSITE:
            continue  # a village outside the report's scope
        totals[key] = replace(
            found,
            offsite=found.offsite - item.minutes,
            offsite_uncounted=found.offsite_uncounted + item.minutes,
        )
