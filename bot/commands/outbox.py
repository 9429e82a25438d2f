"""``vcbot outbox``: how delivery stands, and which messages may not have gone out."""

from __future__ import annotations

import click

from bot.commands.support import friendly, with_db
from config import Settings
from storage.db import Database
from storage.services import outbox as service


@click.group()
def outbox() -> None:
    """发送队列（outbox）。"""


@outbox.command("status")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(0, 1000))
@friendly
def outbox_status(limit: int) -> None:
    """各状态的消息数，并列出「不确定」的消息（发送中进程中断，可能已发出，不会自动重发）。"""

    async def body(db: Database, settings: Settings) -> list[str]:
        c = await service.counts(db)
        lines = [
            f"待发 {c.pending}，已发 {c.sent}，不确定 {c.uncertain}，多次失败已放弃 {c.given_up}"
        ]
        for row in await service.uncertain(db, limit) if limit else []:
            when = row.uncertain_at.astimezone(settings.tz) if row.uncertain_at else None
            lines.append(
                f"#{row.id} {row.channel} → {row.target_kind}:{row.target_id} "
                f"（{when:%m-%d %H:%M}）：{row.text[:40].replace(chr(10), ' ')}"
            )
        return lines

    click.echo("\n".join(with_db(body)))
