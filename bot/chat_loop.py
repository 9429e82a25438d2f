"""``vcbot chat``: the console channel driven line by line (pipe or terminal)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot.channels.console import CHANNEL, ConsoleLineError, ConsoleParser, ConsoleTransport
from bot.runtime import Runtime
from handlers.relay import OutboxRelay

log = logging.getLogger(__name__)


async def run_console(
    runtime: Runtime, lines: TextIO, out: TextIO, err: TextIO = sys.stderr
) -> int:
    """Handle each line, then print what the bot sends; returns the number of bad lines."""
    parser = ConsoleParser(runtime.settings.bot_name)
    # this process's replies, and proactive messages to the console kind
    relay = OutboxRelay(runtime.db, [parser.instance, CHANNEL], ConsoleTransport(out))
    interactive = lines.isatty()
    bad = 0
    if interactive:
        err.write("输入「发送者@群: 内容」或「发送者: 内容」，Ctrl-D 结束。\n")
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            message = parser.parse(line)
        except ConsoleLineError as exc:
            bad += 1
            err.write(f"!! {exc}\n")
            continue
        try:
            await runtime.dispatcher.handle(message)
            await relay.drain()
        except Exception as exc:  # the database went away, say: report, read on
            log.exception("console line not handled")
            bad += 1
            err.write(f"!! 这一行没有处理成功（{type(exc).__name__}），请稍后再试。\n")
    return bad
