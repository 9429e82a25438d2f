"""The month report: one row per counsel-village-month, judged by :mod:`storage.quota`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.db import READ_ONLY
from storage.ledger_terms import OFFSITE
from storage.periods import Month
from storage.quota import MonthResult, MonthTotals, judge_totals, lectures_over_allowance
from storage.services.reports import queries
from storage.services.reports.queries import Pair
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
    halves = sorted({m.half() for m in months})
    everyone = counties is None and scope.counsel_id is None
    who = scope.counsel_id
    # the reads do not depend on one another (the lectures of a part of the province need
    # its counsel, so they follow); on PostgreSQL they run at once, on connections of
    # their own: a province's report waits for the slowest, not for the sum
    pairs, totals, onsite, lectures = await _at_once(
        session,
        lambda s: queries.pairs(s, first, last, counties, who),
        lambda s: queries.month_totals(s, first, last, counties, who),
        lambda s: queries.halfyear_onsite(s, halves, counties, who),
        lambda s: _lectures(s, first, last, None) if everyone else _none(),
    )
    if not pairs:
        return []
    if not everyone:
        lectures = await _lectures(session, first, last, {c for c, _ in pairs})
    _take_off_lectures(totals, _over(lectures, first, settings))
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


Read = Callable[[AsyncSession], Awaitable[Any]]


async def _at_once(session: AsyncSession, *reads: Read) -> list[Any]:
    """Run independent reads: one after another on ``session``, or at once when it is a
    read-only session on PostgreSQL (where every statement sees its own snapshot anyway),
    the first on ``session`` and each other on a connection of its own. A writer's session
    never: the other connections would not see its uncommitted rows."""
    engine = session.bind
    if (
        not session.info.get(READ_ONLY)
        or not isinstance(engine, AsyncEngine)
        or engine.dialect.name != "postgresql"
    ):
        return [await read(session) for read in reads]

    async def own(read: Read) -> Any:
        async with AsyncSession(engine, expire_on_commit=False) as other:
            return await read(other)

    return list(await asyncio.gather(reads[0](session), *(own(read) for read in reads[1:])))


async def _none() -> None:
    return None


async def _lectures(
    session: AsyncSession, first: date, last: date, counsel_ids: set[str] | None
) -> dict[tuple[str, int], list[queries.Lecture]]:
    """Rule 2: the counsel's video lectures from 1 January of the period's first year (all
    counsel when ``counsel_ids`` is None: a report of everything reads no id list)."""
    return await queries.video_lectures(session, counsel_ids, date(first.year, 1, 1), last)


def _over(
    by_year: dict[tuple[str, int], list[queries.Lecture]], first: date, settings: Settings
) -> list[queries.Lecture]:
    """The lectures from ``first`` on beyond each counsel's yearly allowance."""
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
