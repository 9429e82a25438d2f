"""The web edge of the domain errors: each class has its status; the API and JSON routes
answer ``{"error": …}``, the console's pages an error page in Chinese."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from storage.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    Locked,
    NotFound,
    Throttled,
    Unauthenticated,
)

STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Locked: 423,
    Throttled: 429,
}
ErrorPage = Callable[[web.Request, int, str], web.Response]
PAGES: web.AppKey[ErrorPage] = web.AppKey("error_pages")  # renders a console error page
TITLES = {
    400: "输入有误",
    401: "请先登录",
    403: "无权访问",
    404: "找不到",
    409: "冲突",
    423: "已关账",
    429: "请稍后再试",
}


def status_of(err: DomainError) -> int:
    """The HTTP status of a domain error: that of its nearest class in :data:`STATUS`."""
    return next(STATUS[c] for c in type(err).__mro__ if c in STATUS)


def dumps(data: Any) -> str:
    """JSON with Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False)


def json_error(status: int, message: str) -> web.Response:
    """``{"error": message}`` with ``status``."""
    return web.json_response({"error": message}, status=status, dumps=dumps)


def wants_page(request: web.Request) -> bool:
    """True for a browser's request to a console page (not the API, not a script)."""
    name = request.match_info.route.resource.name if request.match_info.route.resource else None
    return (
        bool(name)
        and not str(name).startswith(("api-", "simulator-"))
        and "text/html" in request.headers.get("Accept", "")
    )


@web.middleware
async def domain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a domain error with its status and its message."""
    try:
        return await handler(request)
    except DomainError as err:
        status = status_of(err)
        if wants_page(request) and PAGES in request.app:
            response: web.Response = request.app[PAGES](request, status, str(err))
        else:
            response = json_error(status, str(err))
        if isinstance(err, Throttled):
            response.headers["Retry-After"] = str(err.retry_after)
        return response
