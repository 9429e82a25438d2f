"""``vcbot roster``: the counsel–village assignment roster."""

from __future__ import annotations

from pathlib import Path

import click

from bot.commands.support import friendly, read_utf8, with_runtime


@click.group()
def roster() -> None:
    """律师派驻名册。"""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def roster_import(file: Path) -> None:
    """导入名册 CSV（整体导入：任何一行有错则整个文件不导入）。"""
    from storage.services.roster import import_roster

    text = read_utf8(file)
    summary = with_runtime(lambda rt: import_roster(rt.db, text, rt.settings.quota, actor="cli"))
    click.echo(summary.describe() if summary.changed else f"已导入 {summary.rows} 行：没有变化。")
