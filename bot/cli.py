"""The ``vcbot`` command line: the main group; each command group is a module of
bot/commands/ (heavy imports happen inside the commands, so start-up stays quick)."""

from __future__ import annotations

import logging

import click

from bot.commands import (
    chat,
    complaints,
    db,
    demo,
    group,
    groups,
    language,
    logs,
    outbox,
    reminders,
    reports,
    roster,
    serve,
    users,
)
from bot.commands.support import VcbotGroup


@click.group(cls=VcbotGroup)
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def main(verbose: bool) -> None:
    """村法律顾问助手（一村一法律顾问）。"""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for command in (
    db.db,
    roster.roster,
    group.group,
    groups.groups,
    chat.chat,
    serve.serve,
    demo.demo,
    language.classify,
    language.eval_command,
    logs.logs,
    reports.report,
    reports.campaign,
    reminders.reminders,
    outbox.outbox,
    complaints.complaints,
    users.user,
    users.token,
):
    main.add_command(command)
