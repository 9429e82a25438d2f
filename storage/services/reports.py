"""Compliance reports: each counsel-village-month judged by :mod:`storage.quota`.

A report reads a fixed number of queries whatever its size (assignments, the period's
entries, the flexible villages' half-year on-site minutes, the year's video lectures),
then judges in memory, so a province (26,000 villages) costs four queries, not 26,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.ledger_terms import ACTIVITIES, ONSITE, VIDEO_LECTURE
from storage.models import Assignment, Counsel, County, ServiceLogEntry, Town, Village
from storage.periods import HalfYear, Month
from storage.quota import Item, MonthResult, judge_month, lectures_over_allowance
from storage.services.scope import county_id, villages_of_county

PairKey = tuple[str, str]  # (counsel_id, village_id)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which assignments a report covers: all, one county's, or one counsel's."""

    county: str | None = None
    counsel_id: str | None = None


@dataclass(slots=True)
class Pair:
    """One counsel-village with its names and assignment spans."""

    counsel_id: str
    counsel_name: str
    village_id: str
    village_name: str
    county: str
    flexible: bool
    spans: list[tuple[date | None, date | None]] = field(default_factory=list)

    def active_in(self, month: Month) -> bool:
        """True when some assignment span overlaps ``month``."""
        return any(
            (start is None or start <= month.last) and (end is None or end >= month.first)
            for start, end in self.spans
        )


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One counsel-village-month of a report."""

    pair: Pair
    result: MonthResult

    def as_dict(self) -> dict[str, Any]:
        """The row as the report's fields, in order."""
        r, p = self.result, self.pair
        return {
            "counsel_id": p.counsel_id,
            "counsel_name": p.counsel_name,
            "village_id": p.village_id,
            "village_name": p.village_name,
            "county": p.county,
            "month": str(r.month),
            "onsite": r.onsite,
            "visits": r.visits,
            "offsite": r.offsite,
            "offsite_uncounted": r.offsite_uncounted,
            "offsite_credited": r.offsite_credited,
            "credited": r.credited,
            "required": r.required,
            "shortfall": r.shortfall,
            "status": r.status,
            "flexible": r.flexible,
            "halfyear_onsite": r.halfyear_onsite,
        }


REPORT_FIELDS = (
    "counsel_id",
    "counsel_name",
    "village_id",
    "village_name",
    "county",
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


async def month_report(
    session: AsyncSession, month: Month, settings: Settings, today: date, scope: Scope = Scope()
) -> list[ReportRow]:
    """One row per counsel-village assignment active in ``month``."""
    return await judge_months(session, [month], settings, today, scope)


async def judge_months(
    session: AsyncSession,
    months: Sequence[Month],
    settings: Settings,
    today: date,
    scope: Scope = Scope(),
) -> list[ReportRow]:
    """Judge every active counsel-village in each of ``months`` (consecutive, ascending)."""
    first, last = months[0].first, months[-1].last
    county = await county_id(session, scope.county) if scope.county else None
    pairs = await _pairs(session, first, last, county, scope.counsel_id)
    if not pairs:
        return []
    entries = await _entries(session, first, last, county, scope.counsel_id)
    halves = sorted({m.half() for m in months})
    onsite = await _halfyear_onsite(session, halves, county, scope.counsel_id)
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


async def _pairs(
    session: AsyncSession, first: date, last: date, county: int | None, counsel_id: str | None
) -> dict[PairKey, Pair]:
    stmt = (
        select(Assignment, Counsel, Village, County)
        .join(Counsel, col(Counsel.id) == col(Assignment.counsel_id))
        .join(Village, col(Village.id) == col(Assignment.village_id))
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .where(
            or_(col(Assignment.start).is_(None), col(Assignment.start) <= last),
            or_(col(Assignment.end).is_(None), col(Assignment.end) >= first),
        )
    )
    if county is not None:
        stmt = stmt.where(Town.county_id == county)
    if counsel_id is not None:
        stmt = stmt.where(Assignment.counsel_id == counsel_id)
    pairs: dict[PairKey, Pair] = {}
    for a, counsel, village, place in await session.exec(stmt):
        key = (a.counsel_id, a.village_id)
        pair = pairs.setdefault(
            key,
            Pair(
                a.counsel_id, counsel.name, a.village_id, village.name, place.name, village.flexible
            ),
        )
        pair.spans.append((a.start, a.end))
    # sorted here, not in SQL: collations order Chinese names differently per backend
    return dict(sorted(pairs.items(), key=lambda kv: (kv[1].county, kv[0][1], kv[0][0])))


def _item(e: ServiceLogEntry) -> Item:
    assert e.id is not None
    return Item(e.id, e.day, e.kind, e.channel, e.minutes)


def _scoped(stmt: Any, county: int | None, counsel_id: str | None) -> Any:
    if county is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_county(county)))
    if counsel_id is not None:
        stmt = stmt.where(ServiceLogEntry.counsel_id == counsel_id)
    return stmt


async def _entries(
    session: AsyncSession, first: date, last: date, county: int | None, counsel_id: str | None
) -> dict[tuple[str, str, Month], list[Item]]:
    """The period's entries in one query, by counsel, village and month (rule 8)."""
    stmt = select(ServiceLogEntry).where(
        col(ServiceLogEntry.day) >= first, col(ServiceLogEntry.day) <= last
    )
    found: dict[tuple[str, str, Month], list[Item]] = defaultdict(list)
    for e in await session.exec(_scoped(stmt, county, counsel_id)):
        found[(e.counsel_id, e.village_id, Month.of(e.day))].append(_item(e))
    return found


async def _halfyear_onsite(
    session: AsyncSession, halves: Sequence[HalfYear], county: int | None, counsel_id: str | None
) -> dict[tuple[str, str, HalfYear], int]:
    """Rule 6: on-site minutes per counsel-village-half-year, flexible villages only."""
    stmt = (
        select(
            col(ServiceLogEntry.counsel_id),
            col(ServiceLogEntry.village_id),
            col(ServiceLogEntry.day),
            col(ServiceLogEntry.minutes),
        )
        .join(Village, col(Village.id) == col(ServiceLogEntry.village_id))
        .where(
            col(Village.flexible).is_(True),
            ServiceLogEntry.kind == ONSITE,
            col(ServiceLogEntry.day) >= halves[0].first,
            col(ServiceLogEntry.day) <= halves[-1].last,
        )
    )
    totals: dict[tuple[str, str, HalfYear], int] = defaultdict(int)
    for c, v, day, minutes in await session.exec(_scoped(stmt, county, counsel_id)):
        totals[(c, v, Month.of(day).half())] += minutes
    return totals


async def _over_allowance(
    session: AsyncSession, year: int, last: date, settings: Settings, pairs: dict[PairKey, Pair]
) -> frozenset[int]:
    """Rule 2: ids of video lectures beyond each counsel's yearly allowance, up to ``last``."""
    counsel_ids = {c for c, _ in pairs}
    stmt = select(ServiceLogEntry).where(
        ServiceLogEntry.channel == VIDEO_LECTURE,
        col(ServiceLogEntry.counsel_id).in_(counsel_ids),
        col(ServiceLogEntry.day) >= date(year, 1, 1),
        col(ServiceLogEntry.day) <= last,
    )
    by_year: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for e in await session.exec(stmt):
        by_year[(e.counsel_id, e.day.year)].append(_item(e))
    allowance = settings.quota.video_lectures_per_year
    over: set[int] = set()
    for lectures in by_year.values():
        over |= lectures_over_allowance(lectures, allowance)
    return frozenset(over)


@dataclass(slots=True)
class CounselSummary:
    """A counsel's record over a half-year or a year."""

    counsel_id: str
    counsel_name: str
    villages: set[str] = field(default_factory=set)
    villages_not_met: set[str] = field(default_factory=set)
    months_met: int = 0
    months_missed: int = 0
    months_pending: int = 0
    months_in_progress: int = 0
    missed: list[str] = field(default_factory=list)  # "村名 2026-03"
    lectures_used: int = 0
    lectures_over: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain fields."""
        return {
            "counsel_id": self.counsel_id,
            "counsel_name": self.counsel_name,
            "villages": len(self.villages),
            "villages_met": len(self.villages - self.villages_not_met),
            "months_met": self.months_met,
            "months_missed": self.months_missed,
            "months_pending": self.months_pending,
            "months_in_progress": self.months_in_progress,
            "lectures_used": self.lectures_used,
            "lectures_over": self.lectures_over,
            "missed": "；".join(self.missed),
        }


SUMMARY_FIELDS = (
    "counsel_id",
    "counsel_name",
    "villages",
    "villages_met",
    "months_met",
    "months_missed",
    "months_pending",
    "months_in_progress",
    "lectures_used",
    "lectures_over",
    "missed",
)


async def period_summary(
    session: AsyncSession,
    months: Sequence[Month],
    settings: Settings,
    today: date,
    scope: Scope = Scope(),
) -> list[CounselSummary]:
    """Per counsel over ``months`` (a half-year or a year; months not begun are skipped).

    A village counts as met when each of its months that is over is met (a month in
    progress counts neither way); lectures are those of
    the year of the period, up to its end or today.
    """
    begun = [m for m in months if m.first <= today]
    if not begun:
        return []
    summaries: dict[str, CounselSummary] = {}
    for row in await judge_months(session, begun, settings, today, scope):
        _add(summaries, row)
    await _count_lectures(session, summaries, begun, settings, today)
    return sorted(summaries.values(), key=lambda s: s.counsel_id)


def _add(summaries: dict[str, CounselSummary], row: ReportRow) -> None:
    p, r = row.pair, row.result
    s = summaries.setdefault(p.counsel_id, CounselSummary(p.counsel_id, p.counsel_name))
    s.villages.add(p.village_id)
    if r.status == "met":
        s.months_met += 1
    elif r.status == "in_progress":
        s.months_in_progress += 1  # not over yet: neither for nor against the village
    elif r.status == "pending":
        s.months_pending += 1
        s.villages_not_met.add(p.village_id)
    else:
        s.months_missed += 1
        s.missed.append(f"{p.village_name} {r.month}")
        s.villages_not_met.add(p.village_id)


async def _count_lectures(
    session: AsyncSession,
    summaries: dict[str, CounselSummary],
    months: Sequence[Month],
    settings: Settings,
    today: date,
) -> None:
    if not summaries:
        return
    year = months[0].year
    stmt = select(ServiceLogEntry).where(
        ServiceLogEntry.channel == VIDEO_LECTURE,
        col(ServiceLogEntry.counsel_id).in_(set(summaries)),
        col(ServiceLogEntry.day) >= date(year, 1, 1),
        col(ServiceLogEntry.day) <= min(months[-1].last, today),
    )
    by_counsel: dict[str, list[Item]] = defaultdict(list)
    for e in await session.exec(stmt):
        by_counsel[e.counsel_id].append(_item(e))
    allowance = settings.quota.video_lectures_per_year
    for counsel, lectures in by_counsel.items():
        over = len(lectures_over_allowance(lectures, allowance))
        summaries[counsel].lectures_used = len(lectures) - over
        summaries[counsel].lectures_over = over


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """Q13: a counsel's campaign activities in a date range."""

    counsel_id: str
    counsel_name: str
    counts: dict[str, int]

    @property
    def complete(self) -> bool:
        """True when each of the four activities was done at least once (Q13)."""
        return all(self.counts.get(a, 0) >= 1 for a in ACTIVITIES)

    def as_dict(self) -> dict[str, Any]:
        """The row as plain fields."""
        return {
            "counsel_id": self.counsel_id,
            "counsel_name": self.counsel_name,
            **{a: self.counts.get(a, 0) for a in ACTIVITIES},
            "complete": self.complete,
        }


CAMPAIGN_FIELDS = ("counsel_id", "counsel_name", *ACTIVITIES, "complete")


async def campaign_counts(
    session: AsyncSession, first: date, last: date, scope: Scope = Scope()
) -> list[CampaignRow]:
    """Per counsel assigned in the range: how many entries of each Q13 activity."""
    county = await county_id(session, scope.county) if scope.county else None
    pairs = await _pairs(session, first, last, county, scope.counsel_id)
    stmt = select(ServiceLogEntry).where(
        col(ServiceLogEntry.activity).is_not(None),
        col(ServiceLogEntry.day) >= first,
        col(ServiceLogEntry.day) <= last,
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in await session.exec(_scoped(stmt, county, scope.counsel_id)):
        counts[e.counsel_id][e.activity or ""] += 1
    names = {p.counsel_id: p.counsel_name for p in pairs.values()}
    return [CampaignRow(c, names[c], dict(counts[c])) for c in sorted(names)]
