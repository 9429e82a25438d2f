"""``vcbot logs``, ``vcbot report``, ``vcbot campaign`` and ``vcbot reminders``.

Registered on the main group at the end of bot/cli.py. These commands need only the
database and the settings (not the language model), so they open a Database directly.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot.cli_support import friendly, with_db
from bot.tabular import FORMATS, render
from config import Settings
from handlers.reminders import CHECKS
from storage.db import Database
from storage.exports import csv_text, xlsx_bytes
from storage.periods import HalfYear, Month, local_date, year_months
from storage.services.ledger import Actor
from storage.services.ledger_io import (
    EXPORT_COLUMNS,
    entries_for_export,
    export_rows,
    import_logs,
)
from storage.services.reports.campaign import CAMPAIGN_FIELDS, campaign_counts
from storage.services.reports.month import REPORT_FIELDS, month_report
from storage.services.reports.summary import SUMMARY_FIELDS, period_summary
from storage.services.scope import Scope


def _now(settings: Settings) -> datetime:
    return datetime.now(settings.tz)


def _parse(kind: Callable[[str], Any], value: str | None) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _write(data: str | bytes, output: Path | None) -> None:
    """Print text, or write text or bytes to ``output``."""
    if output is None:
        click.echo(data if isinstance(data, str) else data.decode())
        return
    if isinstance(data, bytes):
        output.write_bytes(data)
    else:
        output.write_text(data + "\n", encoding="utf-8")
    click.echo(f"已写入 {output}", err=True)


# --- logs -------------------------------------------------------------------------------


@click.group()
def logs() -> None:
    """服务日志（台账）：导入、导出。"""


@logs.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-closed", is_flag=True, help="管理员迁移旧记录：允许导入已关账月份（记入审计）"
)
@friendly
def logs_import(file: Path, allow_closed: bool) -> None:
    """导入服务日志 CSV（整体导入：任何一行有错则整个文件不导入）。

    表头：counsel_id,village_id,date,kind,channel,minutes,summary[,activity]
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} 不是 UTF-8 编码：请另存为 UTF-8 CSV") from None
    actor = Actor(f"cli:{getpass.getuser()}", can_edit_closed=allow_closed)

    async def body(db: Database, settings: Settings) -> str:
        summary = await import_logs(
            db, text, settings, actor=actor, now=_now(settings), allow_closed=allow_closed
        )
        return summary.describe()

    click.echo(with_db(body))


@logs.command("export")
@click.option("--month", help="只导出某月，YYYY-MM")
@click.option("--county", help="只导出某县（区）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
@click.option("--xlsx", is_flag=True, help="写 Excel（.xlsx）而不是 CSV")
@friendly
def logs_export(month: str | None, county: str | None, output: Path | None, xlsx: bool) -> None:
    """导出服务日志，格式与导入相同（可直接再导入）。"""
    period: Month | None = _parse(Month.parse, month)
    if xlsx and output is None:
        output = Path(f"service-logs-{period or 'all'}.xlsx")

    async def body(db: Database, _: Settings) -> list[list[str | int]]:
        async with db.read() as session:
            return export_rows(await entries_for_export(session, month=period, county=county))

    rows = with_db(body)
    if xlsx:
        _write(xlsx_bytes(EXPORT_COLUMNS, rows, "服务日志"), output)
    else:
        _write(csv_text(EXPORT_COLUMNS, rows).rstrip("\n"), output)


# --- report -----------------------------------------------------------------------------


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
        fields, rows = REPORT_FIELDS, with_db(_month_rows(_parse(Month.parse, month), scope))
    else:
        months = _parse(HalfYear.parse, half).months if half else year_months(year or 0)
        fields, rows = SUMMARY_FIELDS, with_db(_summary_rows(list(months), scope))
    _write(render(fields, rows, fmt), output)


def _month_rows(
    month: Month, scope: Scope
) -> Callable[[Database, Settings], Awaitable[list[dict[str, Any]]]]:
    async def body(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            today = local_date(_now(settings), settings.tz)
            return [r.as_dict() for r in await month_report(session, month, settings, today, scope)]

    return body


def _summary_rows(
    months: list[Month], scope: Scope
) -> Callable[[Database, Settings], Awaitable[list[dict[str, Any]]]]:
    async def body(db: Database, settings: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            today = local_date(_now(settings), settings.tz)
            found = await period_summary(session, months, settings, today, scope)
            return [s.as_dict() for s in found]

    return body


# --- campaign (Q13) ---------------------------------------------------------------------


@click.command()
@click.option("--from", "first", required=True, help="开始日期 YYYY-MM-DD")
@click.option("--to", "last", required=True, help="结束日期 YYYY-MM-DD（含）")
@click.option("--county", help="只看某县（区）")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
@friendly
def campaign(first: str, last: str, county: str | None, fmt: str, output: Path | None) -> None:
    """「乡村振兴 法治同行」活动（Q13）：每位律师各项活动的次数。"""
    start: date = _parse(date.fromisoformat, first)
    end: date = _parse(date.fromisoformat, last)
    if end < start:
        raise click.BadParameter("--to 早于 --from")

    async def body(db: Database, _: Settings) -> list[dict[str, Any]]:
        async with db.read() as session:
            rows = await campaign_counts(session, start, end, Scope(county=county))
            return [r.as_dict() for r in rows]

    _write(render(CAMPAIGN_FIELDS, with_db(body), fmt), output)


# --- reminders --------------------------------------------------------------------------


@click.group()
def reminders() -> None:
    """服务提醒（定时任务）。"""


@reminders.command("run")
@click.argument("kind", type=click.Choice(["all", *CHECKS]), required=False)
@friendly
def reminders_run(kind: str | None) -> None:
    """立即执行提醒检查（默认全部）；已发过的提醒不会重复发送。"""
    chosen = list(CHECKS) if kind in (None, "all") else [kind]

    async def body(db: Database, settings: Settings) -> list[str]:
        now = _now(settings)
        return [f"{k}: {await CHECKS[k](db, settings, now)} 条" for k in chosen]

    click.echo("\n".join(with_db(body)))


@reminders.command("jobs")
@friendly
def reminders_jobs() -> None:
    """列出数据库里保存的提醒任务及下次执行时间。"""
    from bot.scheduler import ReminderScheduler

    async def body(db: Database, settings: Settings) -> list[str]:
        scheduler = ReminderScheduler(db, settings, name="cli")
        scheduler.scheduler.start(paused=True)  # read only: no job is added or run
        try:
            return [
                f"{job.id}  {job.next_run_time:%Y-%m-%d %H:%M %Z}  {job.trigger}"
                for job in scheduler.scheduler.get_jobs()
            ]
        finally:
            scheduler.shutdown()

    click.echo("\n".join(with_db(body)) or "还没有保存的提醒任务（启动提醒服务后创建）。")


@reminders.command("serve")
@friendly
def reminders_serve() -> None:
    """只运行提醒调度（任务存于数据库，重启不丢）；Ctrl-C 结束。"""
    from bot.scheduler import ReminderScheduler

    async def body(db: Database, settings: Settings) -> None:
        scheduler = ReminderScheduler(db, settings)
        scheduler.start()
        click.echo("提醒调度已启动（Ctrl-C 结束）。", err=True)
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown()

    try:
        with_db(body)
    except KeyboardInterrupt:
        click.echo("已停止。", err=True)
