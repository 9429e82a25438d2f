"""Rendering a page with what every page shows: the user, the CSRF token, the site name."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import SESSION_KEY, Session, get_session

from web.auth import USER, csrf_token
from web.deps import DEPS
from web.errors import TITLES


async def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """``template`` rendered for the request's user, with a CSRF token for its forms."""
    deps = request.app[DEPS]
    session = await get_session(request)
    user = request.get(USER, None)
    html = deps.templates.get_template(template).render(
        bot_name=deps.settings.bot_name,
        simulator=deps.simulator,
        user=user,
        csrf=csrf_token(session),
        path=request.path,
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """An error page in Chinese (no session work: it must never fail itself)."""
    deps = request.app[DEPS]
    user = request.get(USER, None)
    session = request.get(SESSION_KEY)
    html = deps.templates.get_template("error.html").render(
        bot_name=deps.settings.bot_name,
        simulator=deps.simulator,
        user=user,
        csrf=csrf_token(session) if isinstance(session, Session) else "",
        path=request.path,
        status=status,
        title=TITLES.get(status, "出错了"),
        message=message,
    )
    return web.Response(text=html, status=status, content_type="text/html")
