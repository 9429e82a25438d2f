"""``vcbot groups``: the rooms the bot has seen, so an administrator can find a room's id."""

from __future__ import annotations

import click

from bot.commands.support import friendly, with_db
from bot.tabular import table
from config import Settings
from storage.db import Database
from storage.services import directory


@click.command()
@friendly
def groups() -> None:
    """列出机器人见过的群（群编号、群名、人数、绑定的村、最近一次消息），用于绑定。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.read() as session:
            found = await directory.rooms_seen(session)
        rows: list[list[str | int]] = [
            [
                room.id,
                room.topic,
                room.members,
                f"{village.name}（{village.id}）" if village else "未绑定",
                f"{room.last_seen.astimezone(settings.tz):%Y-%m-%d %H:%M}",
            ]
            for room, village in found
        ]
        if not rows:
            return "还没有见过任何群：机器人进群并收到一条消息后才会列出。"
        return table(["群编号", "群名", "人数", "绑定的村", "最近消息"], rows)

    click.echo(with_db(body))
