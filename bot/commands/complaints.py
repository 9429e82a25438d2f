"""``vcbot complaints``: the bureau's list of complaints (Q10) until the console exists."""

from __future__ import annotations

import getpass

import click

from bot.commands.support import friendly, now, with_db
from bot.tabular import table
from config import Settings
from storage.db import Database
from storage.services import complaints as service


@click.group()
def complaints() -> None:
    """投诉（Q10）：列出、查看、记录处理结果。"""


@complaints.command("list")
@click.option("--all", "everything", is_flag=True, help="连已处理的也列出")
@click.option("--county", help="只看某县（区）")
@friendly
def complaints_list(everything: bool, county: str | None) -> None:
    """列出投诉（默认只列未处理的），新的在前。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.read() as session:
            found = await service.list_complaints(
                session, status=None if everything else "open", county=county
            )
        if not found:
            return "没有投诉。" if everything else "没有未处理的投诉。"
        rows: list[list[str | int]] = [
            [
                f"C{v.complaint.id}",
                f"{v.complaint.created_at.astimezone(settings.tz):%Y-%m-%d %H:%M}",
                v.village or "（不明）",
                v.counsel or "",
                "未处理" if v.complaint.status == "open" else "已处理",
                v.complaint.text[:30].replace("\n", " "),
            ]
            for v in found
        ]
        return table(["编号", "时间", "村", "法律顾问", "状态", "内容"], rows)

    click.echo(with_db(body))


@complaints.command("show")
@click.argument("number", type=click.IntRange(1))
@friendly
def complaints_show(number: int) -> None:
    """查看一件投诉的全部内容和处理结果。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.read() as session:
            v = await service.get_complaint(session, number)
        c = v.complaint
        lines = [
            f"投诉 C{c.id}（{'未处理' if c.status == 'open' else '已处理'}）",
            f"时间：{c.created_at.astimezone(settings.tz):%Y-%m-%d %H:%M}",
            f"县/村：{v.county or '（不明）'} {v.village}",
            f"法律顾问：{v.counsel or '（未指明）'}",
            f"投诉人：{c.complainant_id}",
            f"内容：{c.text}",
        ]
        if c.handled_at:
            lines += [
                f"处理：{c.handled_at.astimezone(settings.tz):%Y-%m-%d %H:%M} {c.handled_by}",
                f"结果：{c.resolution}",
            ]
        return "\n".join(lines)

    click.echo(with_db(body))


@complaints.command("close")
@click.argument("number", type=click.IntRange(1))
@click.option("--resolution", required=True, help="处理结果（会记入审计）")
@friendly
def complaints_close(number: int, resolution: str) -> None:
    """记录一件投诉的处理结果并结案。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.transaction() as session:
            await service.close_complaint(
                session,
                number,
                resolution=resolution,
                actor=f"cli:{getpass.getuser()}",
                now=now(settings),
            )
        return f"投诉 C{number} 已结案。"

    click.echo(with_db(body))
