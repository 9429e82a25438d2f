"""``vcbot reminders``: run the reminder checks now, list the stored jobs, run the scheduler."""

from __future__ import annotations

import asyncio

import click

from bot.commands.support import friendly, now, with_db
from config import Settings
from handlers.reminders import CHECKS
from storage.db import Database


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
        at = now(settings)
        return [f"{k}: {await CHECKS[k](db, settings, at)} 条" for k in chosen]

    click.echo("\n".join(with_db(body)))


@reminders.command("jobs")
@friendly
def reminders_jobs() -> None:
    """列出数据库里保存的提醒任务及下次执行时间。"""
    from bot.scheduler import stored_jobs

    async def body(db: Database, settings: Settings) -> list[str]:
        return [
            f"{job.id}  {f'{job.next_run:%Y-%m-%d %H:%M %Z}' if job.next_run else '已暂停'}"
            f"  {job.trigger}"
            for job in stored_jobs(db, settings)
        ]

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
