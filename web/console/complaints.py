"""Complaints (issue 11, items 5 and 8): the list of the user's scope, its export, and
recording how one was handled."""

from __future__ import annotations

from aiohttp import web

from storage.services import complaints as service
from storage.services.complaints import ComplaintView
from storage.services.scope import check_complaint
from web.auth import current_user, now, user_scope
from web.console.common import chosen_scope
from web.deps import DEPS
from web.exports import FORMATS, download
from web.pages import render
from web.params import choice, form_of, path_id

STATES = {"open": "未处理", "handled": "已处理", "all": "全部"}


async def complaints_page(request: web.Request) -> web.Response:
    """Complaints of the scope (open by default); ``format`` downloads them."""
    deps = request.app[DEPS]
    scope, counties = await chosen_scope(request)
    state = choice(request.query, "status", tuple(STATES)) or "open"
    async with deps.db.read() as session:
        found = await service.list_complaints(
            session, status=None if state == "all" else state, scope=scope
        )
    fmt = choice(request.query, "format", FORMATS)
    if fmt:
        return download(fmt, "投诉", *_table(found, deps.settings.tz))
    return await render(
        request,
        "console/complaints.html",
        found=found,
        state=state,
        states=STATES,
        counties=counties,
        county=scope.county or "",
        tz=deps.settings.tz,
    )


def _table(
    found: list[ComplaintView], tz: object
) -> tuple[list[str], list[list[str | int | None]]]:
    header = [
        "编号",
        "时间",
        "县（区）",
        "村（社区）",
        "法律顾问",
        "内容",
        "状态",
        "处理结果",
        "处理人",
    ]
    rows: list[list[str | int | None]] = [
        [
            f"C{v.complaint.id}",
            v.complaint.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),  # type: ignore[arg-type]
            v.county,
            v.village,
            v.counsel,
            v.complaint.text,
            STATES.get(v.complaint.status, v.complaint.status),
            v.complaint.resolution,
            v.complaint.handled_by or "",
        ]
        for v in found
    ]
    return header, rows


async def complaint_handle(request: web.Request) -> web.Response:
    """Record how a complaint in the user's scope was handled (audited)."""
    deps = request.app[DEPS]
    complaint_id = path_id(request, "complaint_id", "投诉编号")
    form = await form_of(request)
    resolution = str(form.get("resolution", ""))[:2000]
    user = current_user(request)
    async with deps.db.transaction() as session:
        await check_complaint(session, user_scope(request), complaint_id)
        await service.close_complaint(
            session,
            complaint_id,
            resolution=resolution,
            actor=f"bureau:{user.username}",
            now=now(request),
        )
    raise web.HTTPSeeOther("/console/complaints?status=all")


def setup(app: web.Application) -> None:
    """Register the complaint routes."""
    app.router.add_get("/console/complaints", complaints_page, name="console-complaints")
    app.router.add_post(
        "/console/complaints/{complaint_id}/handle",
        complaint_handle,
        name="console-complaint-handle",
    )
