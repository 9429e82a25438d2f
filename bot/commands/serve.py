"""``vcbot serve``: the web pages, the channels and the reminder scheduler in one process."""

from __future__ import annotations

import click

from bot.commands.support import friendly, settings_or_exit


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-reminders", is_flag=True, help="不启动提醒调度")
@friendly
def serve(host: str, port: int, no_reminders: bool) -> None:
    """启动网页（首页和浏览器聊天模拟器）和提醒调度。"""
    from bot.server import serve_forever
    from storage.migrate import ensure_current

    settings = settings_or_exit()
    ensure_current(settings.database_url)
    serve_forever(settings, host, port, reminders=not no_reminders)
