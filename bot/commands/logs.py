"""``vcbot logs``: the service ledger in and out of files (import all-or-nothing, export)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.commands.support import friendly, now, parse_option, read_utf8, with_db, write_out
from config import Settings
from storage.db import Database
from storage.exports import csv_text, xlsx_bytes
from storage.periods import Month
from storage.services.ledger import Actor
from storage.services.ledger_io import EXPORT_COLUMNS, entries_for_export, export_rows, import_logs

PROGRESS_FROM = 10_000  # rows: a smaller file is stored before a bar would help


def bar_step(bar: Any) -> Callable[[int], None]:
    """The import's progress callback over a tqdm bar."""

    def step(rows: int) -> None:
        bar.update(rows)

    return step


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
    text = read_utf8(file)
    actor = Actor(f"cli:{getpass.getuser()}", can_edit_closed=allow_closed)
    lines = text.count("\n")

    async def body(db: Database, settings: Settings) -> str:
        from tqdm import tqdm

        # a bar on the terminal for a large file (the checks before it take seconds)
        quiet = lines < PROGRESS_FROM or not sys.stderr.isatty()
        with tqdm(total=lines, unit=" 行", disable=quiet, file=sys.stderr, leave=False) as bar:
            summary = await import_logs(
                db,
                text,
                settings,
                actor=actor,
                now=now(settings),
                allow_closed=allow_closed,
                progress=bar_step(bar),
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
    period = parse_option(Month.parse, month)
    if xlsx and output is None:
        output = Path(f"service-logs-{period or 'all'}.xlsx")

    async def body(db: Database, _: Settings) -> list[list[str | int]]:
        async with db.read() as session:
            return export_rows(await entries_for_export(session, month=period, county=county))

    rows = with_db(body)
    if xlsx:
        write_out(xlsx_bytes(EXPORT_COLUMNS, rows, "服务日志"), output)
    else:
        write_out(csv_text(EXPORT_COLUMNS, rows).rstrip("\n"), output)
