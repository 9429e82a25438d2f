"""Monthly, half-year and campaign reports over the stored ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from config import Settings
from storage.db import Database
from storage.periods import HalfYear, Month
from storage.services.reports.campaign import campaign_counts
from storage.services.reports.month import month_report
from storage.services.reports.summary import period_summary
from storage.services.scope import Scope
from tests.ledger_data import NOW, load_roster, log

TODAY = NOW.date()
OCT, NOV, SEP = Month(2026, 10), Month(2026, 11), Month(2026, 9)


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """The shared roster loaded into ``db``."""
    await load_roster(db, settings)
    return db


async def report(
    db: Database, settings: Settings, month: Month, **scope: Any
) -> list[dict[str, Any]]:
    async with db.read() as s:
        rows = await month_report(s, month, settings, TODAY, Scope(**scope))
    return [r.as_dict() for r in rows]


def row_of(rows: list[dict[str, Any]], village: str) -> dict[str, Any]:
    return next(r for r in rows if r["village_id"] == village)


async def test_one_row_per_assignment_active_that_month(
    roster: Database, settings: Settings
) -> None:
    rows = await report(roster, settings, NOV)
    assert [(r["counsel_id"], r["village_id"]) for r in rows] == [
        ("L3", "W1"),
        ("L1", "V1"),
        ("L1", "V2"),
    ]


async def test_assignment_ended_before_month_has_no_row(
    roster: Database, settings: Settings
) -> None:
    rows = await report(roster, settings, OCT)
    assert ("L2", "V3") in [(r["counsel_id"], r["village_id"]) for r in rows]


async def test_row_carries_the_arithmetic(roster: Database, settings: Settings) -> None:
    await log(roster, settings, date(2026, 10, 3), 180)
    await log(roster, settings, date(2026, 10, 4), 300, channel="phone")
    r = row_of(await report(roster, settings, OCT), "V1")
    assert {
        k: r[k]
        for k in (
            "onsite",
            "visits",
            "offsite",
            "offsite_credited",
            "credited",
            "required",
            "shortfall",
            "status",
            "flexible",
        )
    } == {
        "onsite": 180,
        "visits": 1,
        "offsite": 300,
        "offsite_credited": 240,
        "credited": 420,
        "required": 480,
        "shortfall": 60,
        "status": "missed",
        "flexible": False,
    }


async def test_current_month_is_in_progress(roster: Database, settings: Settings) -> None:
    await log(roster, settings, date(2026, 11, 3), 60)
    assert row_of(await report(roster, settings, NOV), "V1")["status"] == "in_progress"


async def test_county_filter_keeps_its_villages_only(roster: Database, settings: Settings) -> None:
    rows = await report(roster, settings, NOV, county="另一县")
    assert [r["village_id"] for r in rows] == ["W1"]


async def test_flexible_month_met_by_later_onsite_of_the_half_year(
    roster: Database, settings: Settings
) -> None:
    await log(roster, settings, date(2026, 9, 3), 60, village="V2")
    for day in range(1, 6):
        await log(roster, settings, date(2026, 10, day), 600, village="V2")
    assert row_of(await report(roster, settings, SEP), "V2")["status"] == "met"


async def test_flexible_month_short_in_open_half_year_is_pending(
    roster: Database, settings: Settings
) -> None:
    await log(roster, settings, date(2026, 9, 3), 60, village="V2")
    assert row_of(await report(roster, settings, SEP), "V2")["status"] == "pending"


async def test_first_half_onsite_does_not_count_for_second_half(
    roster: Database, settings: Settings
) -> None:
    for day in range(1, 6):
        await log(roster, settings, date(2026, 6, day), 600, village="V2")
    await log(roster, settings, date(2026, 9, 3), 60, village="V2")
    assert row_of(await report(roster, settings, SEP), "V2")["status"] == "pending"


async def test_third_video_lecture_in_another_village_counts_zero(
    roster: Database, settings: Settings
) -> None:
    await log(roster, settings, date(2026, 3, 3), 60, channel="video_lecture", village="V1")
    await log(roster, settings, date(2026, 5, 3), 60, channel="video_lecture", village="V2")
    await log(roster, settings, date(2026, 11, 3), 60, channel="video_lecture", village="V1")
    r = row_of(await report(roster, settings, NOV), "V1")
    assert (r["offsite"], r["offsite_uncounted"]) == (0, 60)


async def test_month_report_costs_a_fixed_number_of_queries(
    roster: Database, settings: Settings
) -> None:
    for village in ("V1", "V2"):
        await log(roster, settings, date(2026, 11, 3), 60, village=village)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(roster.engine.sync_engine, "before_cursor_execute", count)
    try:
        await report(roster, settings, NOV)
    finally:
        event.remove(roster.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 4  # assignments, entries, half-year on-site, lectures


async def test_half_year_summary_per_counsel(roster: Database, settings: Settings) -> None:
    for month in (7, 8, 9, 10):
        await log(roster, settings, date(2026, month, 3), 480)
    await log(roster, settings, date(2026, 9, 3), 60, village="V2")  # flexible: pending
    await log(roster, settings, date(2026, 7, 4), 60, channel="video_lecture")
    async with roster.read() as s:
        summaries = await period_summary(
            s, HalfYear(2026, 2).months, settings, TODAY, Scope(counsel_id="L1")
        )
    [l1] = [x.as_dict() for x in summaries]
    assert {
        k: l1[k]
        for k in (
            "villages",
            "villages_met",
            "months_met",
            "months_missed",
            "months_pending",
            "months_in_progress",
            "lectures_used",
        )
    } == {
        "villages": 2,
        "villages_met": 1,
        "months_met": 4,
        "months_missed": 3,
        "months_pending": 1,
        "months_in_progress": 2,
        "lectures_used": 1,
    }


async def test_year_summary_names_missed_months(roster: Database, settings: Settings) -> None:
    async with roster.read() as s:
        summaries = await period_summary(
            s, HalfYear(2026, 2).months, settings, TODAY, Scope(counsel_id="L1")
        )
    assert "南岗村 2026-07" in summaries[0].missed


async def test_campaign_counts_each_activity(roster: Database, settings: Settings) -> None:
    await log(roster, settings, date(2026, 11, 3), 120, activity="law_class")
    await log(roster, settings, date(2026, 11, 4), 60, channel="phone", activity="legal_aid_case")
    await log(roster, settings, date(2026, 11, 5), 60, channel="phone", activity="legal_aid_case")
    async with roster.read() as s:
        rows = await campaign_counts(
            s, date(2026, 11, 1), date(2026, 11, 30), Scope(county="示范县")
        )
    [l1] = [r.as_dict() for r in rows]
    assert (l1["legal_aid_case"], l1["law_class"], l1["dispute_screening"], l1["complete"]) == (
        2,
        1,
        0,
        False,
    )
