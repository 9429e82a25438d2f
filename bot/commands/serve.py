"""``vcbot serve``: the web pages, the channels and the reminder scheduler in one process
(the pages in ``--workers`` processes in production)."""

from __future__ import annotations

import logging
import os

import click

from bot.commands.support import friendly, settings_or_exit
from config import Settings, is_placeholder

ENDPOINT_ENV = "WECHATY_PUPPET_SERVICE_ENDPOINT"
TOKEN_ENV = "WECHATY_PUPPET_SERVICE_TOKEN"
MAX_WORKERS = 64


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--channel",
    "channels",
    multiple=True,
    type=click.Choice(["wechaty"]),
    help="同时连接的聊天渠道：wechaty（微信，经 Wechaty puppet 服务）",
)
@click.option("--no-reminders", is_flag=True, help="不启动提醒调度")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, MAX_WORKERS),
    help="网页进程数（仅生产模式）：同一端口由多个进程分担，聊天渠道和提醒只在主进程",
)
@friendly
def serve(
    host: str, port: int, channels: tuple[str, ...], no_reminders: bool, workers: int
) -> None:
    """启动网页（首页和浏览器聊天模拟器）、提醒调度，以及 --channel 指定的聊天渠道。"""
    from bot.server import serve_forever
    from storage.migrate import ensure_current

    if logging.getLogger("bot").getEffectiveLevel() > logging.INFO:  # -v may ask for more
        logging.getLogger("bot").setLevel(logging.INFO)  # a server says what it is doing
    settings = settings_or_exit()
    if workers > 1 and settings.mode != "production":
        raise click.ClickException(
            f"--workers {workers} 只用于生产模式（VCBOT_MODE=production）："
            "聊天模拟器只在一个进程里，开发和演示模式请用一个进程（去掉 --workers）"
        )
    if "wechaty" in channels:
        settings = with_puppet_service(settings)
    ensure_current(settings.database_url)
    serve_forever(
        settings,
        host,
        port,
        reminders=not no_reminders,
        wechat="wechaty" in channels,
        workers=workers,
    )


def with_puppet_service(settings: Settings) -> Settings:
    """The settings with the puppet service's endpoint and token (settings first, then
    the WECHATY_* variables); a refusal that says what is missing or wrong."""
    endpoint = settings.wechat.endpoint or os.environ.get(ENDPOINT_ENV, "").strip()
    token = settings.puppet_token or os.environ.get(TOKEN_ENV, "").strip()
    if not endpoint:
        raise click.ClickException(
            f"缺少 puppet 服务地址：请设置 {ENDPOINT_ENV}（或配置 wechat.endpoint），如 127.0.0.1:8788"
        )
    if settings.mode != "demo" and (not token or is_placeholder(token)):
        what = "仍是占位值" if token else "未设置"
        raise click.ClickException(
            f"puppet 服务的 token {what}：请设置 {TOKEN_ENV}（或配置 puppet_token）为服务商给的真实 token"
        )
    wechat = settings.wechat.model_copy(update={"endpoint": endpoint})
    return settings.model_copy(update={"wechat": wechat, "puppet_token": token or "demo"})
