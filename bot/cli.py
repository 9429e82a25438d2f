"""The ``vcbot`` command line: the main group; each command group is a module of
bot/commands/ (heavy imports happen inside the commands, so start-up stays quick)."""

from __future__ import annotations

import logging

import click

from bot.commands.support import VcbotGroup

# each command is imported when it runs (or for --help): `vcbot classify` never loads the
# database layer, `vcbot chat` never the web stack or Alembic (issue 12, start-up)
COMMANDS = {
    "db": "bot.commands.db:db",
    "roster": "bot.commands.roster:roster",
    "group": "bot.commands.group:group",
    "groups": "bot.commands.groups:groups",
    "chat": "bot.commands.chat:chat",
    "serve": "bot.commands.serve:serve",
    "demo": "bot.commands.demo:demo",
    "classify": "bot.commands.language:classify",
    "eval": "bot.commands.language:eval_command",
    "logs": "bot.commands.logs:logs",
    "report": "bot.commands.reports:report",
    "campaign": "bot.commands.reports:campaign",
    "reminders": "bot.commands.reminders:reminders",
    "outbox": "bot.commands.outbox:outbox",
    "complaints": "bot.commands.complaints:complaints",
    "user": "bot.commands.users:user",
    "token": "bot.commands.users:token",
}


@click.group(cls=VcbotGroup, lazy_commands=COMMANDS)
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def main(verbose: bool) -> None:
    """村法律顾问助手（一村一法律顾问）。"""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
