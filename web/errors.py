"""The web edge of the domain errors: each class has its status, answered as JSON."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from storage.errors import Conflict, DomainError, Forbidden, InvalidInput, Locked, NotFound

STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    InvalidInput: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Locked: 423,
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


@web.middleware
async def domain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a domain error with its status and its message."""
    try:
        return await handler(request)
    except DomainError as err:
        return json_error(status_of(err), str(err))
