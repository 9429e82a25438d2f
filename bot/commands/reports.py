"""``vcbot report`` and ``vcbot campaign``: compliance and campaign figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from bot.commands.support import friendly, now, parse_value, with_db, write_out
from bot.tabular import FORMATS, render
from config import Settings
from storage.db import Database
from storage.periods import HalfYear, Month, local_date, year_months
from storage.services.reports.campaign import CAMPAIGN_FIELDS, campaign_counts
from storage.services.reports.month import REPORT_FIELDS, month_report
from storage.services.reports.summary import SUMMARY_FIELDS, period_summary
from storage.services.scope import Scope

Rows = Callable[[Database, Settings], Awaitable[list[dict[str, Any]]]]


@click.command()
@click.option("--month", help="月报：每个律师-村派驻一行，YYYY-MM")
@click.option("--half", help="半年汇总：每位律师一行，YYYY-H1 或 YYYY-H2")
@click.option("--year", type=int, help="年度汇总：每位律师一行，YYYY")
@click.option("--county", help="只看某县（区）")
@click.option("--counsel", "counsel_id", help="只看某位律师（编号）")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
@friendly
def report(
    month: str | None,
    half: str | None,
    year: int | None,
    county: str | None,
    counsel_id: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """服务达标情况：--month 月报，或 --half / --year 每位律师的汇总（三选一）。"""
    if sum(x is not None for x in (month, half, year)) != 1:
        raise click.UsageError("请只给出 --month、--half、--year 其中之一")
    scope = Scope(county=county, counsel_id=counsel_id)
    fields: tuple[str, ...]
    if month is not None:
        fields, rows = REPORT_FIELDS, with_db(_month_rows(parse_value(Month.parse, month), scope))
    else:
        months = parse_value(HalfYear.parse, half).months if half else year_months(year or 0)
        fields, rows = SUMMARY_FIELDS, with_db(_summary_rows(list(months), scope))
    write_out(render(fields, rows, fmt), output)


def _month_rows(month: Month, scope: Scope) -> Rows:
    async def body(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            today = local_date(now(settings), settings.tz)
            return [r.as_dict() for r in await month_report(session, month, settings, today, scope)]

    return body


def _summary_rows(months: list[Month], scope: Scope) -> Rows:
    async def body(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            today = local_date(now(settings), settings.tz)
            found = await period_summary(session, months, settings, today, scope)
            return [s.as_dict() for s in found]

    return body


@click.command()
@click.option("--from", "first", required=True, help="开始日期 YYYY-MM-DD")
@click.option("--to", "last", required=True, help="结束日期 YYYY-MM-DD（含）")
@click.option("--county", help="只看某县（区）")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
@friendly
def campaign(first: str, last: str, county: str | None, fmt: str, output: Path | None) -> None:
    """「乡村振兴 法治同行」活动（Q13）：每位律师各项活动的次数。"""
    start = parse_value(date.fromisoformat, first)
    end = parse_value(date.fromisoformat, last)
    if end < start:
        raise click.BadParameter("--to 早于 --from")

    async def body(db: Database, _: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            rows = await campaign_counts(session, start, end, Scope(county=county))
            return [r.as_dict() for r in rows]

    write_out(render(CAMPAIGN_FIELDS, with_db(body), fmt), output)
