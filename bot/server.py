"""``vcbot serve``: the web app (first page, simulator) with the runtime behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.runtime import build_runtime
from config import Settings
from web.app import create_app


def build_web_app(settings: Settings) -> web.Application:
    """The web app wired to a fresh runtime, closed when the app stops."""
    runtime = build_runtime(settings)
    app = create_app(runtime.settings, runtime.db, runtime.dispatcher)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        yield
        await runtime.close()

    app.cleanup_ctx.append(lifecycle)
    return app


def serve_forever(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted."""
    print(f"网页已启动：http://{host}:{port}/  （聊天模拟器：/simulator）", flush=True)
    web.run_app(build_web_app(settings), host=host, port=port, print=None)
