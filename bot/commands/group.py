"""``vcbot group``: chat groups and the villages they are bound to."""

from __future__ import annotations

import click

from bot.commands.support import friendly, with_db
from config import Settings
from storage.db import Database


@click.group()
def group() -> None:
    """聊天群。"""


@group.command("bind")
@click.argument("group_id")
@click.argument("village")
@click.option("--force", is_flag=True, help="群已绑定别的村时改绑")
@friendly
def group_bind(group_id: str, village: str, force: bool) -> None:
    """把群 GROUP_ID 绑定到村 VILLAGE（村编号或村名）。"""
    from storage.services.directory import bind_group

    async def body(db: Database, _: Settings) -> str:
        async with db.transaction() as session:
            found = await bind_group(session, group_id, village, actor="cli", force=force)
            return f"群 {group_id} 已绑定到 {found.name}（{found.id}）。"

    click.echo(with_db(body))


@group.command("unbind")
@click.argument("group_id")
@friendly
def group_unbind(group_id: str) -> None:
    """解除群 GROUP_ID 与村的绑定。"""
    from storage.services.directory import unbind_group

    async def body(db: Database, _: Settings) -> str:
        async with db.transaction() as session:
            found = await unbind_group(session, group_id, actor="cli")
            return f"群 {group_id} 已与 {found.name}（{found.id}）解除绑定。"

    click.echo(with_db(body))
