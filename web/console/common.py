"""What the console's views share: the user's scope narrowed by the county they chose."""

from __future__ import annotations

from aiohttp import web

from storage.services.scope import Scope, counties_in, narrowed
from web.auth import user_scope
from web.deps import DEPS
from web.params import text


async def chosen_scope(request: web.Request) -> tuple[Scope, list[str]]:
    """The user's scope, narrowed to ``?county=`` (403 outside it), and the counties the
    user may choose from."""
    scope = user_scope(request)
    async with request.app[DEPS].db.read() as session:
        counties = await counties_in(session, scope)
        return await narrowed(session, scope, text(request.query, "county")), counties
