"""The month report summed by the database gives the figures the item-by-item arithmetic
gives (issue 12): on a generated province, for the whole province and for one county."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.province import SIZES, NotEmptyError, county_name, generate, months_ending
from config import Settings
from storage.db import Database
from storage.models import ServiceLogEntry
from storage.periods import Month
from storage.quota import Item, judge_month, lectures_over_allowance
from storage.services.reports import queries
from storage.services.reports.month import judge_months
from storage.services.scope import EVERYWHERE, Scope, county_ids

LAST = Month(2026, 11)
TODAY = date(2026, 11, 25)


async def reference(
    session: AsyncSession, months: list[Month], settings: Settings, scope: Scope
) -> list[dict[str, Any]]:
    """The report as it was computed before issue 12: every entry loaded as an item and
    judged by :func:`judge_month` (kept here as the oracle)."""
    first, last = months[0].first, months[-1].last
    counties = await county_ids(session, scope)
    pairs = await queries.pairs(session, first, last, counties, None)
    items: dict[tuple[str, str, Month], list[Item]] = defaultdict(list)
    halfyear: dict[tuple[str, str, Any], int] = defaultdict(int)
    flexible = {key for key, pair in pairs.items() if pair.flexible}
    year_start = date(first.year, 1, 1)
    everything = await session.exec(select(ServiceLogEntry).order_by(col(ServiceLogEntry.id)))
    lectures: dict[str, list[Item]] = defaultdict(list)
    for e in everything:
        assert e.id is not None
        item = Item(e.id, e.day, e.kind, e.channel, e.minutes)
        key = (e.counsel_id, e.village_id)
        if first <= e.day <= last and key in pairs:
            items[(*key, Month.of(e.day))].append(item)
        if key in flexible and e.kind == "onsite":
            halfyear[(*key, Month.of(e.day).half())] += e.minutes
        if e.channel == "video_lecture" and year_start <= e.day <= last:
            lectures[e.counsel_id].append(item)
    over: frozenset[int] = frozenset()
    for found in lectures.values():
        over |= lectures_over_allowance(found, settings.quota.video_lectures_per_year)
    rows = []
    for month in months:
        for key, pair in pairs.items():
            if pair.active_in(month):
                result = judge_month(
                    items.get((*key, month), []),
                    month=month,
                    quota=settings.quota,
                    today=TODAY,
                    flexible=pair.flexible,
                    halfyear_onsite=halfyear.get((*key, month.half()), 0),
                    over_allowance=over,
                )
                rows.append({"pair": key, **{f: getattr(result, f) for f in result.__slots__}})
    return rows


def as_rows(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "pair": (r.pair.counsel_id, r.pair.village_id),
            **{f: getattr(r.result, f) for f in r.result.__slots__},
        }
        for r in found
    ]


async def test_sql_sums_equal_the_item_arithmetic_on_a_generated_province(
    db: Database, db_url: str, settings: Settings
) -> None:
    made = await asyncio.to_thread(generate, db_url, SIZES["smoke"], last=LAST, progress=False)
    assert made.entries > 500
    lecture_day = LAST.previous().first
    async with db.transaction() as session:  # one counsel beyond the yearly allowance
        for k in range(settings.quota.video_lectures_per_year + 3):
            session.add(
                ServiceLogEntry(
                    counsel_id="C000000",
                    village_id=f"V00000{k % 3}",
                    day=lecture_day + timedelta(days=k),
                    kind="offsite",
                    channel="video_lecture",
                    minutes=90,
                    summary="讲座",
                    source="import",
                )
            )
    months = months_ending(LAST, 3)
    async with db.read() as session:
        for scope in (EVERYWHERE, Scope(county=county_name(1)), Scope(province="样本省")):
            got = as_rows(await judge_months(session, months, settings, TODAY, scope))
            want = await reference(session, months, settings, scope)
            assert got == want, scope
        everything = await judge_months(session, months, settings, TODAY)
    statuses = {r.result.status for r in everything}
    assert {"met", "missed", "in_progress"} <= statuses
    assert any(r.result.offsite_uncounted > 0 for r in everything)
    assert any(r.pair.flexible for r in everything)


async def test_the_generator_refuses_a_database_that_holds_a_roster(db_url: str) -> None:
    """A second run on the same database would collide on ids half-way: it is refused
    before anything is written, saying why."""
    await asyncio.to_thread(generate, db_url, SIZES["smoke"], last=LAST, progress=False)
    with pytest.raises(NotEmptyError, match="已有县"):
        await asyncio.to_thread(generate, db_url, SIZES["smoke"], last=LAST, progress=False)
