"""``vcbot db``: schema migrations."""

from __future__ import annotations

import click

from bot.commands.support import friendly, settings_or_exit


@click.group()
def db() -> None:
    """数据库迁移。"""


@db.command("upgrade")
@friendly
def db_upgrade() -> None:
    """把数据库升级到最新结构（Alembic）。"""
    from storage.migrate import upgrade

    settings = settings_or_exit()
    before, after = upgrade(settings.database_url)
    where = _safe_url(settings.database_url)
    if before == after:
        click.echo(f"数据库已是最新结构（版本 {after}），无需升级：{where}")
    elif before is None:
        click.echo(f"已创建数据库结构（版本 {after}）：{where}")
    else:
        click.echo(f"数据库已从版本 {before} 升级到 {after}：{where}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
