"""Counsel pages (issue 11, item 6): the list, and one counsel's villages, hours chart,
visits, open and overdue questions, ratings and complaints."""

from __future__ import annotations

from aiohttp import web

from storage.errors import InvalidInput
from storage.periods import Month
from storage.services.console.counsel import counsel_in_scope, counsel_page
from web.auth import now, user_scope
from web.charts import hours_chart
from web.console.common import chosen_scope
from web.deps import DEPS
from web.pages import render

CHART_MONTHS = 6


async def counsel_list(request: web.Request) -> web.Response:
    """The counsel serving the user's villages today."""
    deps = request.app[DEPS]
    scope, counties = await chosen_scope(request)
    async with deps.db.read() as session:
        lawyers = await counsel_in_scope(session, scope, now(request).date())
    return await render(
        request,
        "console/counsel_list.html",
        lawyers=lawyers,
        counties=counties,
        county=scope.county or "",
    )


async def counsel_detail(request: web.Request) -> web.Response:
    """One counsel's page (403 when they never served in the user's scope)."""
    deps = request.app[DEPS]
    counsel_id = request.match_info["counsel_id"]
    if len(counsel_id) > 64:
        raise InvalidInput("律师编号太长")
    at = now(request)
    months = [Month.of(at.date())]
    while len(months) < CHART_MONTHS:
        months.insert(0, months[0].previous())
    async with deps.db.read() as session:
        page = await counsel_page(
            session,
            counsel_id,
            user_scope(request),
            now=at,
            months=months,
            overdue_hours=deps.settings.reminders.first_response_hours,
        )
    return await render(
        request,
        "console/counsel.html",
        page=page,
        chart=hours_chart(page.hours),
        tz=deps.settings.tz,
    )


def setup(app: web.Application) -> None:
    """Register the counsel pages."""
    app.router.add_get("/console/counsel", counsel_list, name="console-counsel-list")
    app.router.add_get("/console/counsel/{counsel_id}", counsel_detail, name="console-counsel")
