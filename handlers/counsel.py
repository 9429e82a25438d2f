"""The counsel's private commands: log service, see this month's progress, delete, take leave.

A counsel is whoever's ``Counsel.wechat`` is the sender id. Anyone else who types these
commands gets a one-line answer and no counsel data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from handlers.context import Context, Router
from handlers.counsel_parse import parse_leave, parse_record
from handlers.texts import counsel as texts
from handlers.texts.common import md_hm
from storage.errors import InvalidInput, NotFound
from storage.ledger_terms import CHANNEL_LABELS
from storage.models import Counsel
from storage.periods import Month
from storage.quota import MonthResult
from storage.services import directory, visits
from storage.services.leave import add_leave, cancel_leave
from storage.services.ledger import Actor, EntryDraft, add_entry, delete_entry
from storage.services.reports.month import month_report
from storage.services.scope import Scope

router = Router()

_COMMAND = re.compile(
    r"^\s*(?P<verb>记录|登记服务|本月进度|进度|删除记录|撤销记录|取消请假|请假)\s*(?P<rest>.*)$",
    re.S,
)
_PROGRESS = {"本月进度", "进度"}
_DELETE = {"删除记录", "撤销记录"}


@dataclass(frozen=True, slots=True)
class CounselCommand:
    """A private command: its verb, the rest of the text, and the counsel (None: not one)."""

    verb: str
    rest: str
    counsel: Counsel | None


async def private_command(ctx: Context) -> CounselCommand | None:
    """Matches a private message that starts with one of the counsel's commands."""
    if ctx.message.is_group:
        return None
    found = _COMMAND.match(ctx.message.text)
    if found is None:
        return None
    counsel = await directory.counsel_by_chat_id(
        ctx.session, ctx.message.sender_id, ctx.message.sender_aliases
    )
    return CounselCommand(found["verb"], found["rest"].strip(), counsel)


async def counsel_chatting(ctx: Context) -> Counsel | None:
    """Matches any other private message from a counsel."""
    if ctx.message.is_group:
        return None
    return await directory.counsel_by_chat_id(
        ctx.session, ctx.message.sender_id, ctx.message.sender_aliases
    )


@router.route(private_command)
async def run_command(ctx: Context, cmd: CounselCommand) -> None:
    """Dispatch to the command; a non-counsel gets a short refusal."""
    if cmd.counsel is None:
        await ctx.reply(texts.COUNSEL_ONLY)
    elif cmd.verb in _PROGRESS:
        await ctx.reply(await _progress(ctx, cmd.counsel))
    elif cmd.verb in _DELETE:
        await _delete(ctx, cmd.counsel, cmd.rest)
    elif cmd.verb == "请假":
        await _leave(ctx, cmd.counsel, cmd.rest)
    elif cmd.verb == "取消请假":
        await _cancel_leave(ctx, cmd.counsel)
    else:
        await _record(ctx, cmd.counsel, cmd.rest)


@router.route(counsel_chatting)
async def counsel_menu(ctx: Context, _: Counsel) -> None:
    """Anything else a counsel writes privately: the counsel's menu."""
    await ctx.reply(texts.COUNSEL_HELP)


async def _villages(ctx: Context, counsel: Counsel) -> dict[str, str]:
    """The counsel's villages of this month and last (a late entry for last month is
    still accepted until it closes), by name, short name and id."""
    month = Month.of(ctx.today)
    found = await directory.villages_of_counsel(
        ctx.session, counsel.id, month.previous().first, month.last
    )
    names: dict[str, str] = {}
    for v in found:
        names |= {v.name: v.id, v.id: v.id}
        short = v.name.removesuffix("村").removesuffix("社区")
        if len(short) >= 2:
            names.setdefault(short, v.id)
    return names


async def _record(ctx: Context, counsel: Counsel, rest: str) -> None:
    villages = await _villages(ctx, counsel)
    if not villages:
        raise NotFound(texts.NO_VILLAGES)
    cmd = parse_record(rest, ctx.today, villages)
    if cmd.day > ctx.today:
        raise InvalidInput(texts.NO_FUTURE_RECORDS)
    draft = EntryDraft(
        counsel_id=counsel.id,
        village_id=cmd.village_id,
        day=cmd.day,
        kind=cmd.kind,
        channel=cmd.channel,
        minutes=cmd.minutes,
        summary=cmd.summary,
        source="chat",
        activity=cmd.activity,
    )
    entry = await add_entry(
        ctx.session, draft, actor=Actor.counsel(counsel.id), settings=ctx.settings, now=ctx.now
    )
    assert entry.id is not None
    village = await directory.village_by_id(ctx.session, cmd.village_id)
    rows = await month_report(
        ctx.session, Month.of(cmd.day), ctx.settings, ctx.today, Scope(counsel_id=counsel.id)
    )
    line = next(
        (
            _line(ctx, r.result, r.pair.village_name)
            for r in rows
            if r.pair.village_id == cmd.village_id
        ),
        "",
    )
    await ctx.reply(
        texts.record_saved(
            entry_id=entry.id,
            village=village.name if village else cmd.village_id,
            channel=CHANNEL_LABELS[cmd.channel],
            minutes=cmd.minutes,
            day=cmd.day,
            progress=line,
        )
    )


def _status_key(r: MonthResult) -> str:
    """The label key: a month in progress that already satisfies both parts says so."""
    done = r.status == "in_progress" and r.hours_met and r.visits_met
    return "in_progress_met" if done else r.status


def _line(ctx: Context, r: MonthResult, village: str) -> str:
    quota = ctx.settings.quota
    return texts.village_progress(
        village=village,
        status=_status_key(r),
        credited=r.credited,
        required=r.required,
        onsite=r.onsite,
        offsite_credited=r.offsite_credited,
        cap=quota.offsite_cap_minutes,
        visits=r.visits,
        shortfall=r.shortfall,
        flexible=r.flexible,
        halfyear_onsite=r.halfyear_onsite,
        halfyear_required=quota.flexible_halfyear_onsite_minutes,
    )


async def _progress(ctx: Context, counsel: Counsel) -> str:
    month = Month.of(ctx.today)
    rows = await month_report(
        ctx.session, month, ctx.settings, ctx.today, Scope(counsel_id=counsel.id)
    )
    return texts.month_progress(
        str(month), [_line(ctx, r.result, r.pair.village_name) for r in rows]
    )


async def _delete(ctx: Context, counsel: Counsel, rest: str) -> None:
    found = re.fullmatch(r"#?\s*(\d{1,9})", rest)
    if found is None:
        raise InvalidInput(texts.DELETE_FORM)
    entry_id = int(found[1])
    await delete_entry(
        ctx.session, entry_id, actor=Actor.counsel(counsel.id), settings=ctx.settings, now=ctx.now
    )
    await ctx.reply(texts.record_deleted(entry_id))


async def _leave(ctx: Context, counsel: Counsel, rest: str) -> None:
    start, end = parse_leave(rest, ctx.today)
    leave = await add_leave(
        ctx.session,
        counsel.id,
        start,
        end,
        now=ctx.now,
        max_days=ctx.settings.reminders.max_leave_days,
    )
    tz = ctx.settings.tz
    clashes = await visits.scheduled_between(
        ctx.session,
        datetime.combine(leave.start, time(0), tz),
        datetime.combine(leave.end + timedelta(days=1), time(0), tz),
        counsel_id=counsel.id,
    )
    names = await directory.village_names(ctx.session, {v.village_id for v in clashes})
    planned = [f"{md_hm(v.starts_at, tz)} {names.get(v.village_id, v.village_id)}" for v in clashes]
    await ctx.reply(texts.leave_saved(leave.start, leave.end, planned))


async def _cancel_leave(ctx: Context, counsel: Counsel) -> None:
    leave = await cancel_leave(ctx.session, counsel.id, ctx.today, now=ctx.now)
    await ctx.reply(texts.leave_cancelled(leave.start, leave.end))
