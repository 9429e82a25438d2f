"""``vcbot roster``: the counsel–village assignment roster."""

from __future__ import annotations

from pathlib import Path

import click

from bot.commands.support import friendly, now, read_utf8, with_db
from config import Settings
from storage.db import Database
from storage.services.roster import ImportSummary


@click.group()
def roster() -> None:
    """律师派驻名册。"""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def roster_import(file: Path) -> None:
    """导入名册 CSV（整体导入：任何一行有错则整个文件不导入）。"""
    from storage.periods import DateWindow
    from storage.services.roster import import_roster

    text = read_utf8(file)

    async def body(db: Database, settings: Settings) -> ImportSummary:
        window = DateWindow.of_settings(
            now(settings), settings.tz, settings.limits.date_window_years
        )
        return await import_roster(db, text, settings.quota, actor="cli", window=window)

    summary = with_db(body)
    click.echo(summary.describe() if summary.changed else f"已导入 {summary.rows} 行：没有变化。")
