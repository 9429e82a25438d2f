"""``/api/v1``: villages, counsel, entries, the monthly report and complaints.

Handlers declare their query, path and body in their signatures; aiohttp-pydantic reads
them, refuses bad input with 400 and describes them in ``/api/openapi.json``. Domain
errors become ``{"error": …}`` with their status (``web/errors.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Literal, cast

from aiohttp import web
from aiohttp_pydantic.decorator import inject_params
from aiohttp_pydantic.oas.typing import r200, r201, r400, r401, r403, r404, r409, r423
from pydantic import Field, ValidationError

from storage.errors import InvalidInput
from storage.periods import Month, local_date
from storage.services import callbacks, ledger
from storage.services import complaints as complaints_service
from storage.services.console import catalog
from storage.services.console import log as log_service
from storage.services.console.counsel import counsel_in_scope
from storage.services.console.log import LogFilter
from storage.services.ledger import Actor, EntryDraft
from storage.services.reports.month import month_report
from storage.services.scope import Scope, check_complaint, check_entry, check_village, narrowed
from web.api.models import (
    CallbackIn,
    CallbackOut,
    ComplaintOut,
    CounselOut,
    Deleted,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    ErrorOut,
    ReportRowOut,
    Resolution,
    VillageOut,
)
from web.auth import current_user, now, user_scope
from web.deps import DEPS
from web.errors import dumps, json_error

MAX_LIMIT = 1000
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]  # a row id: larger ones are no one's
Kind = Literal["onsite", "offsite"]
Source = Literal["chat", "group", "web", "import"]
State = Literal["open", "handled", "all"]


async def _bad_input(exception: ValidationError, context: str) -> web.StreamResponse:
    """aiohttp-pydantic's validation errors, as the API's one-line ``{"error": …}``."""
    parts = []
    for e in exception.errors(include_url=False)[:5]:
        where = ".".join(str(x) for x in e["loc"])
        parts.append(f"{where}：{e['msg']}")
    place = {"body": "请求体", "query string": "查询参数", "path": "路径", "headers": "请求头"}
    return json_error(400, f"{place.get(context, context)}有误：" + "；".join(parts))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_inject = inject_params(on_validation_error=_bad_input).and_request


def api(handler: Callable[..., Awaitable[web.StreamResponse]]) -> Handler:
    """A handler whose query, path and body aiohttp-pydantic reads from its signature."""
    return cast(Handler, _inject(handler))


def _json(data: object, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


async def _scope(request: web.Request, county: str | None) -> Scope:
    async with request.app[DEPS].db.read() as session:
        return await narrowed(session, user_scope(request), county)


@api
async def list_villages(
    request: web.Request, county: str | None = None
) -> r200[list[VillageOut]] | r401[ErrorOut] | r403[ErrorOut] | r404[ErrorOut]:
    """Villages of your scope (or of one county in it), with the counsel serving today."""
    scope = await _scope(request, county)
    async with request.app[DEPS].db.read() as session:
        found = await catalog.villages(session, scope, now(request).date())
    return _json([VillageOut.of(v).model_dump(mode="json") for v in found])


@api
async def list_counsel(
    request: web.Request, county: str | None = None
) -> r200[list[CounselOut]] | r401[ErrorOut] | r403[ErrorOut]:
    """Counsel serving villages of your scope today."""
    scope = await _scope(request, county)
    async with request.app[DEPS].db.read() as session:
        found = await counsel_in_scope(session, scope, now(request).date())
    return _json([CounselOut.of(c).model_dump(mode="json") for c in found])


@api
async def list_entries(
    request: web.Request,
    county: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    village: str | None = None,
    counsel: str | None = None,
    kind: Kind | None = None,
    channel: str | None = None,
    source: Source | None = None,
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0,
) -> r200[EntryPage] | r400[ErrorOut] | r401[ErrorOut] | r403[ErrorOut]:
    """Service-log entries of your scope, newest first, filtered like the console's log."""
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit 应在 1..{MAX_LIMIT}，offset 不能为负")
    scope = await _scope(request, county)
    flt = LogFilter(date_from, date_to, village, counsel, kind, channel, source)
    async with request.app[DEPS].db.read() as session:
        page = await log_service.log_page(session, scope, flt, limit=limit, offset=offset)
    out = EntryPage(
        total=page.total, minutes=page.minutes, entries=[EntryOut.of(r.entry) for r in page.rows]
    )
    return _json(out.model_dump(mode="json"))


@api
async def create_entry(
    request: web.Request, body: EntryIn
) -> (
    r201[EntryOut]
    | r400[ErrorOut]
    | r401[ErrorOut]
    | r403[ErrorOut]
    | r404[ErrorOut]
    | r423[ErrorOut]
):
    """Add an entry to a village of your scope (the month must be open)."""
    deps = request.app[DEPS]
    async with deps.db.transaction() as session:
        await check_village(session, user_scope(request), body.village_id)
        entry = await ledger.add_entry(
            session,
            EntryDraft(source="web", **body.model_dump()),
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
        out = EntryOut.of(entry)
    return _json(out.model_dump(mode="json"), status=201)


@api
async def get_entry(
    request: web.Request, entry_id: Id, /
) -> r200[EntryOut] | r401[ErrorOut] | r403[ErrorOut] | r404[ErrorOut]:
    """One entry of your scope."""
    async with request.app[DEPS].db.read() as session:
        entry = await check_entry(session, user_scope(request), entry_id)
    return _json(EntryOut.of(entry).model_dump(mode="json"))


@api
async def patch_entry(
    request: web.Request, entry_id: Id, /, body: EntryPatch
) -> (
    r200[EntryOut]
    | r400[ErrorOut]
    | r401[ErrorOut]
    | r403[ErrorOut]
    | r404[ErrorOut]
    | r409[ErrorOut]
    | r423[ErrorOut]
):
    """Change some fields of an entry (both its old and new month must be open)."""
    deps = request.app[DEPS]
    changes = body.changes()
    if not changes:
        raise InvalidInput("请求体里没有要修改的字段")
    scope = user_scope(request)
    async with deps.db.transaction() as session:
        await check_entry(session, scope, entry_id)
        if "village_id" in changes:
            await check_village(session, scope, changes["village_id"])
        entry = await ledger.edit_entry(
            session,
            entry_id,
            changes,
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
        out = EntryOut.of(entry)
    return _json(out.model_dump(mode="json"))


@api
async def delete_entry(
    request: web.Request, entry_id: Id, /
) -> r200[Deleted] | r401[ErrorOut] | r403[ErrorOut] | r404[ErrorOut] | r423[ErrorOut]:
    """Delete an entry of an open month (the audit trail keeps it)."""
    deps = request.app[DEPS]
    async with deps.db.transaction() as session:
        await check_entry(session, user_scope(request), entry_id)
        await ledger.delete_entry(
            session,
            entry_id,
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
    return _json({"deleted": entry_id})


@api
async def report(
    request: web.Request, month: str, county: str | None = None
) -> r200[list[ReportRowOut]] | r400[ErrorOut] | r401[ErrorOut] | r403[ErrorOut] | r404[ErrorOut]:
    """The monthly report of your scope: the rows of ``vcbot report --month --format json``."""
    try:
        which = Month.parse(month)
    except ValueError as err:
        raise InvalidInput(str(err)) from None
    deps = request.app[DEPS]
    scope = await _scope(request, county)
    async with deps.db.read() as session:
        today = local_date(now(request), deps.settings.tz)
        rows = await month_report(session, which, deps.settings, today, scope)
    return _json([r.as_dict() for r in rows])


@api
async def list_complaints(
    request: web.Request, status: State = "open", county: str | None = None
) -> r200[list[ComplaintOut]] | r401[ErrorOut] | r403[ErrorOut]:
    """Complaints of your scope, newest first (open ones by default)."""
    scope = await _scope(request, county)
    async with request.app[DEPS].db.read() as session:
        found = await complaints_service.list_complaints(
            session, status=None if status == "all" else status, scope=scope
        )
    return _json(
        [
            ComplaintOut.of(v.complaint, v.county, v.village, v.counsel).model_dump(mode="json")
            for v in found
        ]
    )


@api
async def callback_entry(
    request: web.Request, entry_id: Id, /, body: CallbackIn
) -> r201[CallbackOut] | r400[ErrorOut] | r401[ErrorOut] | r403[ErrorOut] | r404[ErrorOut]:
    """Record a phone call-back that verifies an entry of your scope (Q12)."""
    deps = request.app[DEPS]
    user = current_user(request)
    async with deps.db.transaction() as session:
        check = await callbacks.record_callback(
            session,
            user_scope(request),
            entry_id,
            result=body.result,
            note=body.note,
            actor=f"bureau:{user.username}",
            now=now(request),
        )
        out = CallbackOut.model_validate(check.model_dump())
    return _json(out.model_dump(mode="json"), status=201)


@api
async def handle_complaint(
    request: web.Request, complaint_id: Id, /, body: Resolution
) -> (
    r200[ComplaintOut]
    | r400[ErrorOut]
    | r401[ErrorOut]
    | r403[ErrorOut]
    | r404[ErrorOut]
    | r409[ErrorOut]
):
    """Record how a complaint of your scope was handled (409 when it already was)."""
    deps = request.app[DEPS]
    user = current_user(request)
    async with deps.db.transaction() as session:
        await check_complaint(session, user_scope(request), complaint_id)
        await complaints_service.close_complaint(
            session,
            complaint_id,
            resolution=body.resolution,
            actor=f"bureau:{user.username}",
            now=now(request),
        )
        view = await complaints_service.get_complaint(session, complaint_id)
    out = ComplaintOut.of(view.complaint, view.county, view.village, view.counsel)
    return _json(out.model_dump(mode="json"))


def setup(app: web.Application) -> None:
    """Register the API routes (each named ``api-…``)."""
    r = app.router
    r.add_get("/api/v1/villages", list_villages, name="api-villages")
    r.add_get("/api/v1/counsel", list_counsel, name="api-counsel")
    r.add_get("/api/v1/entries", list_entries, name="api-entries")
    r.add_post("/api/v1/entries", create_entry, name="api-entry-create")
    r.add_get("/api/v1/entries/{entry_id}", get_entry, name="api-entry")
    r.add_patch("/api/v1/entries/{entry_id}", patch_entry, name="api-entry-patch")
    r.add_delete("/api/v1/entries/{entry_id}", delete_entry, name="api-entry-delete")
    r.add_post("/api/v1/entries/{entry_id}/callback", callback_entry, name="api-entry-callback")
    r.add_get("/api/v1/report", report, name="api-report")
    r.add_get("/api/v1/complaints", list_complaints, name="api-complaints")
    r.add_post(
        "/api/v1/complaints/{complaint_id}/handle", handle_complaint, name="api-complaint-handle"
    )
