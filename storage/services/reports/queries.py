"""The reads every report shares: assignments, entries, half-year on-site, video lectures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import case, distinct, extract, func
from sqlalchemy import select as columns
from sqlalchemy.sql import Select as CoreSelect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from storage.db import fetch_rows
from storage.ledger_terms import OFFSITE, ONSITE, VIDEO_LECTURE
from storage.models import Assignment, Counsel, County, ServiceLogEntry, Town, Village
from storage.periods import HalfYear, Month
from storage.quota import Item, MonthTotals
from storage.services.scope import villages_of_counties

PairKey = tuple[str, str]  # (counsel_id, village_id)
S = TypeVar("S", Select, SelectOfScalar, CoreSelect)  # type: ignore[type-arg]  # a query over entries


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


Counties = Sequence[int] | None  # the county ids a read covers; None: all


async def pairs(
    session: AsyncSession, first: date, last: date, counties: Counties, counsel_id: str | None
) -> dict[PairKey, Pair]:
    """Every counsel-village assigned on some day from ``first`` to ``last``, in report order."""
    stmt = (
        columns(
            col(Assignment.counsel_id),
            col(Assignment.village_id),
            col(Assignment.start),
            col(Assignment.end),
            col(Counsel.name),
            col(Village.name),
            col(County.name),
            col(Village.flexible),
        )
        .join(Counsel, col(Counsel.id) == col(Assignment.counsel_id))
        .join(Village, col(Village.id) == col(Assignment.village_id))
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .where(Assignment.overlapping(first, last))
    )
    if counties is not None:
        stmt = stmt.where(col(Town.county_id).in_(list(counties)))
    if counsel_id is not None:
        stmt = stmt.where(col(Assignment.counsel_id) == counsel_id)
    found: dict[PairKey, Pair] = {}
    for c_id, v_id, start, end, c_name, v_name, county, flexible in await fetch_rows(session, stmt):
        key = (c_id, v_id)
        pair = found.get(key)
        if pair is None:
            pair = found[key] = Pair(c_id, c_name, v_id, v_name, county, flexible)
        pair.spans.append((start, end))
    # sorted here, not in SQL: collations order Chinese names differently per backend
    return dict(sorted(found.items(), key=lambda kv: (kv[1].county, kv[0][1], kv[0][0])))


def scoped(stmt: S, counties: Counties, counsel_id: str | None) -> S:
    """Narrow a query over entries to some counties' villages and/or one counsel."""
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    if counsel_id is not None:
        stmt = stmt.where(col(ServiceLogEntry.counsel_id) == counsel_id)
    return stmt


def in_days(first: date, last: date) -> SelectOfScalar[ServiceLogEntry]:
    """Entries dated from ``first`` to ``last`` inclusive."""
    return select(ServiceLogEntry).where(
        col(ServiceLogEntry.day) >= first, col(ServiceLogEntry.day) <= last
    )


def _month_of(year: object, month: object) -> Month:
    """A month from the database's EXTRACT results (ints, or floats on some drivers)."""
    return Month(int(str(year).split(".")[0]), int(str(month).split(".")[0]))


async def month_totals(
    session: AsyncSession, first: date, last: date, counties: Counties, counsel_id: str | None
) -> dict[tuple[str, str, Month], MonthTotals]:
    """Rules 1 and 2 summed by the database: per counsel, village and month, the on-site
    minutes, the distinct on-site days and the off-site minutes (issue 12: one GROUP BY,
    no entry loaded). Lectures beyond the allowance are taken off by the caller."""
    e = ServiceLogEntry
    is_onsite = col(e.kind) == ONSITE
    sums = (
        func.sum(case((is_onsite, col(e.minutes)), else_=0)),
        func.count(distinct(case((is_onsite, col(e.day)), else_=None))),
        func.sum(case((col(e.kind) == OFFSITE, col(e.minutes)), else_=0)),
    )
    span = col(e.day) >= first, col(e.day) <= last
    found: dict[tuple[str, str, Month], MonthTotals] = {}
    if Month.of(first) == Month.of(last):  # one month (the usual report): no EXTRACT per row
        one = Month.of(first)
        stmt = (
            columns(col(e.counsel_id), col(e.village_id), *sums)
            .where(*span)
            .group_by(col(e.counsel_id), col(e.village_id))
        )
        for c, v, onsite, visits, offsite in await fetch_rows(
            session, scoped(stmt, counties, counsel_id)
        ):
            found[(c, v, one)] = MonthTotals(int(onsite), int(visits), int(offsite))
        return found
    year, month = extract("year", col(e.day)), extract("month", col(e.day))
    by_month = (
        columns(col(e.counsel_id), col(e.village_id), year, month, *sums)
        .where(*span)
        .group_by(col(e.counsel_id), col(e.village_id), year, month)
    )
    for c, v, y, m, onsite, visits, offsite in await fetch_rows(
        session, scoped(by_month, counties, counsel_id)
    ):
        found[(c, v, _month_of(y, m))] = MonthTotals(int(onsite), int(visits), int(offsite))
    return found


async def halfyear_onsite(
    session: AsyncSession, halves: Sequence[HalfYear], counties: Counties, counsel_id: str | None
) -> dict[tuple[str, str, HalfYear], int]:
    """Rule 6: on-site minutes per counsel-village-half-year, flexible villages only
    (summed per month by the database, the months folded into halves here)."""
    e = ServiceLogEntry
    year, month = extract("year", col(e.day)), extract("month", col(e.day))
    stmt = (
        columns(col(e.counsel_id), col(e.village_id), year, month, func.sum(col(e.minutes)))
        .where(
            # an IN over the few flexible villages, not a join: each is a range scan of
            # the (village_id, day) index, whatever the planner knows of the table
            col(e.village_id).in_(select(Village.id).where(col(Village.flexible).is_(True))),
            col(e.kind) == ONSITE,
            col(e.day) >= halves[0].first,
            col(e.day) <= halves[-1].last,
        )
        .group_by(col(e.counsel_id), col(e.village_id), year, month)
    )
    totals: dict[tuple[str, str, HalfYear], int] = defaultdict(int)
    for c, v, y, m, minutes in await fetch_rows(session, scoped(stmt, counties, counsel_id)):
        totals[(c, v, _month_of(y, m).half())] += int(minutes)
    return totals


@dataclass(frozen=True, slots=True)
class Lecture:
    """A video lecture (rule 2): the arithmetic's item and the village it was logged for."""

    item: Item
    counsel_id: str
    village_id: str


async def video_lectures(
    session: AsyncSession, counsel_ids: Iterable[str] | None, first: date, last: date
) -> dict[tuple[str, int], list[Lecture]]:
    """Rule 2, Q4: the counsel's video lectures from ``first`` to ``last``, by counsel and
    year, in every village (the allowance is the counsel's, not the village's)."""
    e = ServiceLogEntry
    stmt = columns(
        col(e.id),
        col(e.counsel_id),
        col(e.village_id),
        col(e.day),
        col(e.kind),
        col(e.channel),
        col(e.minutes),
    ).where(
        col(e.day) >= first,
        col(e.day) <= last,
        col(e.channel) == VIDEO_LECTURE,
    )
    if counsel_ids is not None:  # None: every counsel (a whole-province report)
        stmt = stmt.where(col(e.counsel_id).in_(set(counsel_ids)))
    by_year: dict[tuple[str, int], list[Lecture]] = defaultdict(list)
    for i, c, v, day, kind, channel, minutes in await fetch_rows(session, stmt):
        by_year[(c, day.year)].append(Lecture(Item(i, day, kind, channel, minutes), c, v))
    return by_year
