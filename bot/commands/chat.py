"""``vcbot chat``: the console channel, line by line."""

from __future__ import annotations

import io
import sys

import click

from bot.commands.support import friendly, with_runtime


@click.command()
@friendly
def chat() -> None:
    """控制台聊天：从标准输入读「发送者@群: 内容」，打印机器人发出的消息。"""
    from bot.chat_loop import run_console

    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
        sys.stdin.reconfigure(errors="replace")
    bad = with_runtime(lambda rt: run_console(rt, sys.stdin, sys.stdout, sys.stderr))
    if bad:
        sys.exit(1)
