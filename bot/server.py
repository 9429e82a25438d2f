"""``vcbot serve``: the web app (first page, simulator) and the reminder scheduler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.runtime import build_runtime
from bot.scheduler import ReminderScheduler
from config import Settings
from web.app import create_app

log = logging.getLogger(__name__)


def build_web_app(settings: Settings, *, reminders: bool = True) -> web.Application:
    """The web app wired to a fresh runtime; the scheduler runs while the app runs."""
    runtime = build_runtime(settings)
    app = create_app(runtime.settings, runtime.db, runtime.dispatcher)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        scheduler = ReminderScheduler(runtime.db, runtime.settings) if reminders else None
        if scheduler is not None:
            scheduler.start()
            log.info("reminder scheduler started (channel %s)", settings.default_channel)
        yield
        if scheduler is not None:
            scheduler.shutdown()
        await runtime.close()

    app.cleanup_ctx.append(lifecycle)
    return app


def serve_forever(settings: Settings, host: str, port: int, *, reminders: bool = True) -> None:
    """Serve until interrupted."""
    note = "，提醒已启用" if reminders else ""
    print(f"网页已启动：http://{host}:{port}/  （聊天模拟器：/simulator{note}）", flush=True)
    web.run_app(build_web_app(settings, reminders=reminders), host=host, port=port, print=None)
