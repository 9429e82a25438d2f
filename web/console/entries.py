"""The service log (issue 11, item 5): entries filtered, with their evidence; add, edit and
delete within the month-lock rules, every change audited and shown."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from storage.errors import InvalidInput
from storage.ledger_terms import ACTIVITY_LABELS, CHANNEL_LABELS, KIND_LABELS, KINDS, SOURCES
from storage.models import CallbackCheck, ServiceLogEntry
from storage.services import callbacks, ledger
from storage.services.console import log as log_service
from storage.services.console.counsel import counsel_in_scope
from storage.services.console.log import LogFilter, LogRow
from storage.services.ledger import Actor, EntryDraft
from storage.services.scope import Scope, check_entry, check_village
from web.auth import current_user, now, user_scope
from web.console.common import chosen_scope
from web.deps import DEPS
from web.exports import FORMATS, download
from web.pages import render
from web.params import choice, day, form_of, month, number, path_id, text

SOURCE_LABELS = {"chat": "私聊", "group": "群聊", "web": "后台", "import": "导入"}
FIELD_LABELS = {
    "village_id": "村",
    "counsel_id": "律师",
    "day": "日期",
    "kind": "类型",
    "channel": "渠道",
    "minutes": "分钟",
    "summary": "摘要",
    "activity": "专项活动",
    "question_id": "问题",
    "visit_id": "驻村安排",
}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What an update changed, in words: 「分钟 15 → 25；摘要 … → …」."""
    parts = [
        f"{label} {before.get(key) or '（空）'} → {after.get(key) or '（空）'}"
        for key, label in FIELD_LABELS.items()
        if before.get(key) != after.get(key)
    ]
    return "；".join(parts) or "无变化"


EXPORT_LIMIT = 100_000
MAX_SAMPLE = callbacks.MAX_SAMPLE


def _filter(q: Mapping[str, str]) -> LogFilter:
    return LogFilter(
        first=day(q, "from"),
        last=day(q, "to"),
        village_id=text(q, "village"),
        counsel_id=text(q, "counsel"),
        kind=choice(q, "kind", KINDS),
        channel=choice(q, "channel", tuple(CHANNEL_LABELS)),
        source=choice(q, "source", SOURCES),
    )


def _labels() -> dict[str, Any]:
    return {
        "kinds": KIND_LABELS,
        "channels": CHANNEL_LABELS,
        "sources": SOURCE_LABELS,
        "activities": ACTIVITY_LABELS,
        "results": callbacks.RESULT_LABELS,
        "check_text": _check_text,
    }


async def log_page(request: web.Request) -> web.Response:
    """The filtered log, a page at a time; ``format`` downloads the whole filter."""
    deps = request.app[DEPS]
    q = request.query
    scope, counties = await chosen_scope(request)
    flt = _filter(q)
    sample = number(q, "sample", high=MAX_SAMPLE)
    if sample is not None:
        flt = await _sample(request, scope, flt, sample)
    fmt = choice(q, "format", FORMATS)
    size = deps.settings.web.page_size
    page = number(q, "page") or 1
    async with deps.db.read() as session:
        if fmt:
            found = await log_service.log_page(session, scope, flt, limit=EXPORT_LIMIT)
            return download(fmt, "服务日志", *_table(found.rows))
        found = await log_service.log_page(
            session, scope, flt, limit=size, offset=(page - 1) * size
        )
        villages = await log_service.villages_in(session, scope)
        lawyers = await counsel_in_scope(session, scope, now(request).date())
    return await render(
        request,
        "console/log.html",
        found=found,
        flt=flt,
        page=page,
        pages=max(1, -(-found.total // size)),
        villages=villages,
        lawyers=lawyers,
        counties=counties,
        county=scope.county or "",
        query=_without_page(q),
        **_labels(),
    )


async def _sample(request: web.Request, scope: Scope, flt: LogFilter, size: int) -> LogFilter:
    """The filter narrowed to a random draw of unchecked entries of ``sample_month``; a
    draw without a seed is given one and redirected, so the link always shows the same."""
    q = request.query
    which = month(q, "sample_month")
    if which is None:
        raise InvalidInput("请选择抽查的月份（sample_month=YYYY-MM）")
    seed = number(q, "seed", low=0)
    if seed is None:
        query = {**q, "seed": str(secrets.randbelow(10**9))}
        raise web.HTTPSeeOther(f"/console/log?{urlencode(query)}")
    async with request.app[DEPS].db.read() as session:
        ids = await callbacks.sample_unchecked(session, scope, which, size, seed)
    return replace(flt, entry_ids=tuple(ids))


def _without_page(q: Mapping[str, str]) -> str:
    return urlencode([(k, v) for k, v in q.items() if k not in ("page", "format")])


def _table(rows: list[LogRow]) -> tuple[list[str], list[list[str | int | None]]]:
    header = [
        "编号",
        "日期",
        "村（社区）",
        "村编号",
        "法律顾问",
        "律师编号",
        "类型",
        "渠道",
        "分钟",
        "摘要",
        "来源",
        "问题",
        "答复",
        "回访核实",
    ]
    out: list[list[str | int | None]] = []
    for r in rows:
        e, question = r.entry, r.evidence.question
        out.append(
            [
                e.id,
                e.day.isoformat(),
                r.village,
                e.village_id,
                r.counsel,
                e.counsel_id,
                KIND_LABELS.get(e.kind, e.kind),
                CHANNEL_LABELS.get(e.channel, e.channel),
                e.minutes,
                e.summary,
                SOURCE_LABELS.get(e.source, e.source),
                question.text if question else "",
                question.answer_text if question else "",
                _check_text(r.check),
            ]
        )
    return header, out


def _check_text(check: CallbackCheck | None) -> str:
    """A call-back in one line: 「属实（备注）」, or "" when none."""
    if check is None:
        return ""
    label = callbacks.RESULT_LABELS.get(check.result, check.result)
    return f"{label}（{check.note}）" if check.note else label


def _draft_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields of a submitted entry form, checked for shape."""
    fields = {
        k: str(form.get(k, "")).strip()
        for k in ("village_id", "day", "kind", "channel", "minutes", "summary", "activity")
    }
    minutes = number(fields, "minutes", low=1, high=1440)
    when = day(fields, "day")
    if minutes is None or when is None or not fields["village_id"]:
        raise InvalidInput("请填写村、日期和分钟数")
    return {
        "village_id": fields["village_id"],
        "day": when,
        "kind": fields["kind"],
        "channel": fields["channel"],
        "minutes": minutes,
        "summary": fields["summary"][:2000],
        "activity": fields["activity"] or None,
    }


async def entry_page(request: web.Request) -> web.Response:
    """One entry: its fields as a form, its evidence and its audit history."""
    deps = request.app[DEPS]
    entry_id = _entry_id(request)
    scope = user_scope(request)
    async with deps.db.read() as session:
        entry = await check_entry(session, scope, entry_id)
        row = await log_service.entry_row(session, entry)
        history = await log_service.history(session, entry_id)
        villages = await log_service.villages_in(session, scope)
    return await render(
        request,
        "console/entry.html",
        row=row,
        history=history,
        villages=villages,
        changed=changed,
        tz=deps.settings.tz,
        **_labels(),
    )


def _entry_id(request: web.Request) -> int:
    return path_id(request, "entry_id", "日志编号")


async def entry_update(request: web.Request) -> web.Response:
    """Save the edited entry (both months open, unless the user may edit closed months)."""
    deps = request.app[DEPS]
    entry_id = _entry_id(request)
    scope = user_scope(request)
    changes = _draft_fields(await form_of(request))
    async with deps.db.transaction() as session:
        await check_entry(session, scope, entry_id)
        await check_village(session, scope, changes["village_id"])
        await ledger.edit_entry(
            session,
            entry_id,
            changes,
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
    raise web.HTTPSeeOther(f"/console/entries/{entry_id}?saved=1")


async def entry_delete(request: web.Request) -> web.Response:
    """Delete an entry of an open month; the audit keeps what it was."""
    deps = request.app[DEPS]
    entry_id = _entry_id(request)
    async with deps.db.transaction() as session:
        entry = await check_entry(session, user_scope(request), entry_id)
        village = entry.village_id
        await ledger.delete_entry(
            session,
            entry_id,
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
    raise web.HTTPSeeOther(f"/console/log?village={village}&deleted={entry_id}")


async def entry_new(request: web.Request) -> web.Response:
    """The form for a new entry (villages and counsel of the user's scope)."""
    return await _new_form(request, {}, "")


async def _new_form(request: web.Request, values: Mapping[str, Any], error: str) -> web.Response:
    deps = request.app[DEPS]
    scope: Scope = user_scope(request)
    async with deps.db.read() as session:
        villages = await log_service.villages_in(session, scope)
        lawyers = await counsel_in_scope(session, scope, now(request).date())
    return await render(
        request,
        "console/entry_new.html",
        villages=villages,
        lawyers=lawyers,
        values=values,
        error=error,
        **_labels(),
    )


async def entry_create(request: web.Request) -> web.Response:
    """Store a new entry (source 后台), audited."""
    deps = request.app[DEPS]
    form = await form_of(request)
    scope = user_scope(request)
    fields = _draft_fields(form)
    counsel_id = str(form.get("counsel_id", "")).strip()
    if not counsel_id:
        raise InvalidInput("请选择法律顾问")
    async with deps.db.transaction() as session:
        await check_village(session, scope, fields["village_id"])
        entry: ServiceLogEntry = await ledger.add_entry(
            session,
            EntryDraft(counsel_id=counsel_id, source="web", **fields),
            actor=Actor.bureau(current_user(request)),
            settings=deps.settings,
            now=now(request),
        )
        entry_id = entry.id
    raise web.HTTPSeeOther(f"/console/entries/{entry_id}?saved=1")


async def entry_callback(request: web.Request) -> web.Response:
    """Record a phone call-back that verifies the entry (Q12)."""
    deps = request.app[DEPS]
    entry_id = _entry_id(request)
    form = await form_of(request)
    user = current_user(request)
    async with deps.db.transaction() as session:
        await callbacks.record_callback(
            session,
            user_scope(request),
            entry_id,
            result=str(form.get("result", "")),
            note=str(form.get("note", "")),
            actor=f"bureau:{user.username}",
            now=now(request),
        )
    raise web.HTTPSeeOther(f"/console/entries/{entry_id}?checked=1")


async def audit_page(request: web.Request) -> web.Response:
    """The latest changes to entries in the user's scope, deletions included."""
    deps = request.app[DEPS]
    scope, _ = await chosen_scope(request)
    async with deps.db.read() as session:
        changes = await log_service.recent_changes(session, scope, limit=200)
    return await render(
        request,
        "console/audit.html",
        changes=changes,
        results=callbacks.RESULT_LABELS,
        tz=deps.settings.tz,
    )


def setup(app: web.Application) -> None:
    """Register the log, entry and audit routes."""
    app.router.add_get("/console/log", log_page, name="console-log")
    app.router.add_get("/console/entries/new", entry_new, name="console-entry-new")
    app.router.add_post("/console/entries", entry_create, name="console-entry-create")
    app.router.add_get("/console/entries/{entry_id}", entry_page, name="console-entry")
    app.router.add_post("/console/entries/{entry_id}", entry_update, name="console-entry-update")
    app.router.add_post(
        "/console/entries/{entry_id}/delete", entry_delete, name="console-entry-delete"
    )
    app.router.add_post(
        "/console/entries/{entry_id}/callback", entry_callback, name="console-entry-callback"
    )
    app.router.add_get("/console/audit", audit_page, name="console-audit")
