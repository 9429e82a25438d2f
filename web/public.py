"""Pages for everyone: the public notice of every village and its counsel (Q8)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from aiohttp import web

from storage.services import public
from web.deps import DEPS

STATIC_DIR = Path(__file__).parent / "static"


async def index(request: web.Request) -> web.Response:
    """The first page: the public notice of every village (Q8) and the way to the simulator."""
    deps = request.app[DEPS]
    today = datetime.now(deps.settings.tz).date()
    async with deps.db.read() as session:
        board = await public.notice_board(session, today)
    return deps.render("index.html", board=board, contacts=deps.settings.contacts)


async def favicon(_: web.Request) -> web.FileResponse:
    """The site icon browsers ask for at /favicon.ico."""
    return web.FileResponse(STATIC_DIR / "favicon.ico")


def setup(app: web.Application) -> None:
    """Register the public routes and the static files."""
    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static", str(STATIC_DIR))
