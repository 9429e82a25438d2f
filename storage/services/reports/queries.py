"""The reads every report shares: assignments, entries, half-year on-site, video lectures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from storage.ledger_terms import ONSITE, VIDEO_LECTURE
from storage.models import Assignment, Counsel, County, ServiceLogEntry, Town, Village
from storage.periods import HalfYear, Month
from storage.quota import Item
from storage.services.scope import villages_of_counties

PairKey = tuple[str, str]  # (counsel_id, village_id)
S = TypeVar("S", Select, SelectOfScalar)  # type: ignore[type-arg]  # a query over entries


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
        select(Assignment, Counsel, Village, County)
        .join(Counsel, col(Counsel.id) == col(Assignment.counsel_id))
        .join(Village, col(Village.id) == col(Assignment.village_id))
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .where(Assignment.overlapping(first, last))
    )
    if counties is not None:
        stmt = stmt.where(col(Town.county_id).in_(list(counties)))
    if counsel_id is not None:
        stmt = stmt.where(Assignment.counsel_id == counsel_id)
    found: dict[PairKey, Pair] = {}
    for a, counsel, village, place in await session.exec(stmt):
        key = (a.counsel_id, a.village_id)
        pair = found.setdefault(
            key,
            Pair(
                a.counsel_id, counsel.name, a.village_id, village.name, place.name, village.flexible
            ),
        )
        pair.spans.append((a.start, a.end))
    # sorted here, not in SQL: collations order Chinese names differently per backend
    return dict(sorted(found.items(), key=lambda kv: (kv[1].county, kv[0][1], kv[0][0])))


def item(e: ServiceLogEntry) -> Item:
    """The quota arithmetic's view of an entry."""
    assert e.id is not None
    return Item(e.id, e.day, e.kind, e.channel, e.minutes)


def scoped(stmt: S, counties: Counties, counsel_id: str | None) -> S:
    """Narrow a query over entries to some counties' villages and/or one counsel."""
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    if counsel_id is not None:
        stmt = stmt.where(ServiceLogEntry.counsel_id == counsel_id)
    return stmt


def in_days(first: date, last: date) -> SelectOfScalar[ServiceLogEntry]:
    """Entries dated from ``first`` to ``last`` inclusive."""
    return select(ServiceLogEntry).where(
        col(ServiceLogEntry.day) >= first, col(ServiceLogEntry.day) <= last
    )


async def entries(
    session: AsyncSession, first: date, last: date, counties: Counties, counsel_id: str | None
) -> dict[tuple[str, str, Month], list[Item]]:
    """The period's entries in one query, by counsel, village and month (rule 8)."""
    found: dict[tuple[str, str, Month], list[Item]] = defaultdict(list)
    for e in await session.exec(scoped(in_days(first, last), counties, counsel_id)):
        found[(e.counsel_id, e.village_id, Month.of(e.day))].append(item(e))
    return found


async def halfyear_onsite(
    session: AsyncSession, halves: Sequence[HalfYear], counties: Counties, counsel_id: str | None
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
    for c, v, day, minutes in await session.exec(scoped(stmt, counties, counsel_id)):
        totals[(c, v, Month.of(day).half())] += minutes
    return totals


async def video_lectures(
    session: AsyncSession, counsel_ids: Iterable[str], first: date, last: date
) -> dict[tuple[str, int], list[Item]]:
    """Rule 2, Q4: the counsel's video lectures from ``first`` to ``last``, by counsel and year."""
    stmt = in_days(first, last).where(
        ServiceLogEntry.channel == VIDEO_LECTURE,
        col(ServiceLogEntry.counsel_id).in_(set(counsel_ids)),
    )
    by_year: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for e in await session.exec(stmt):
        by_year[(e.counsel_id, e.day.year)].append(item(e))
    return by_year
