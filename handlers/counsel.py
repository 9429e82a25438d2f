"""The counsel's private commands: log service, see this month's progress, delete, take leave.

A counsel is whoever's ``Counsel.wechat`` is the sender id. Anyone else who types these
commands gets a one-line answer and no counsel data.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from handlers import evidence, schedule
from handlers.context import Context, Router
from handlers.counsel_common import progress_line, village_month_line, villages_by_name
from handlers.counsel_parse import parse_leave, parse_record
from handlers.texts import counsel as texts
from handlers.texts.common import md, md_hm
from storage.errors import InvalidInput, NotFound
from storage.ledger_terms import CHANNEL_LABELS
from storage.models import Counsel
from storage.periods import Month
from storage.services import directory, visits
from storage.services.leave import add_leave, cancel_leave
from storage.services.ledger import Actor, EntryDraft, add_entry, delete_entry, last_entry_by
from storage.services.reports.month import month_report
from storage.services.scope import Scope

router = Router()

_COMMAND = re.compile(
    r"^\s*(?P<verb>记录|登记服务|本月进度|上月进度|进度|删除记录|撤销记录|撤销|取消请假|请假"
    r"|取消排班|我的排班|排班|驻村|到村|离村)\s*(?P<rest>.*)$",
    re.S,
)
_PROGRESS = {"本月进度", "进度"}
_DELETE = {"删除记录", "撤销记录"}
# 「1」 or 「1 20分钟」: the counsel confirms that their answers in the group be logged
_CONFIRM_EVIDENCE = re.compile(r"^\s*1\s*(?P<minutes>\S+)?\s*$")


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
        return
    action = _ACTIONS.get(cmd.verb, _record)
    await action(ctx, cmd.counsel, cmd.rest)


async def confirm_evidence(ctx: Context) -> tuple[Counsel, str] | None:
    """Matches a counsel's private 「1」 (or 「1 20分钟」)."""
    found = _CONFIRM_EVIDENCE.match(ctx.message.text)
    if ctx.message.is_group or found is None:
        return None
    counsel = await directory.counsel_by_chat_id(
        ctx.session, ctx.message.sender_id, ctx.message.sender_aliases
    )
    return None if counsel is None else (counsel, found["minutes"] or "")


@router.route(confirm_evidence)
async def log_answers(ctx: Context, found: tuple[Counsel, str]) -> None:
    """Q12: the counsel's answers in the group become off-site WeChat entries, each
    citing its ticket as evidence."""
    await evidence.log_answers(ctx, *found)


@router.route(counsel_chatting)
async def counsel_menu(ctx: Context, _: Counsel) -> None:
    """Anything else a counsel writes privately: the counsel's menu."""
    await ctx.reply(texts.COUNSEL_HELP)


async def _record(ctx: Context, counsel: Counsel, rest: str) -> None:
    villages = await villages_by_name(ctx, counsel)
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
    line = await village_month_line(ctx, counsel.id, cmd.village_id, cmd.day)
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


async def _progress(ctx: Context, counsel: Counsel, _: str) -> None:
    await ctx.reply(await _month_text(ctx, counsel, Month.of(ctx.today)))


async def _last_month(ctx: Context, counsel: Counsel, _: str) -> None:
    month = Month.of(ctx.today).previous()
    await ctx.reply(await _month_text(ctx, counsel, month, this_month=False))


async def _month_text(
    ctx: Context, counsel: Counsel, month: Month, *, this_month: bool = True
) -> str:
    rows = await month_report(
        ctx.session, month, ctx.settings, ctx.today, Scope(counsel_id=counsel.id)
    )
    lines = [progress_line(ctx, r.result, r.pair.village_name) for r in rows]
    return texts.month_progress(str(month), lines, this_month=this_month)


async def _undo(ctx: Context, counsel: Counsel, rest: str) -> None:
    """「撤销」: the counsel's last entry goes (an open month only); 「撤销 #12」 deletes #12."""
    if rest:
        await _delete(ctx, counsel, rest)
        return
    actor = Actor.counsel(counsel.id)
    entry = await last_entry_by(ctx.session, actor)
    if entry is None or entry.id is None:
        raise NotFound(texts.NOTHING_TO_UNDO)
    names = await directory.village_names(ctx.session, {entry.village_id})
    what = (
        f"{md(entry.day)} {names.get(entry.village_id, entry.village_id)} "
        f"{CHANNEL_LABELS.get(entry.channel, entry.channel)} {entry.minutes} 分钟"
    )
    await delete_entry(ctx.session, entry.id, actor=actor, settings=ctx.settings, now=ctx.now)
    await ctx.reply(texts.entry_undone(entry.id, what))


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


async def _cancel_leave(ctx: Context, counsel: Counsel, _: str) -> None:
    leave = await cancel_leave(ctx.session, counsel.id, ctx.today, now=ctx.now)
    await ctx.reply(texts.leave_cancelled(leave.start, leave.end))


_ACTIONS: dict[str, Callable[[Context, Counsel, str], Awaitable[None]]] = {
    "本月进度": _progress,
    "进度": _progress,
    "上月进度": _last_month,
    "删除记录": _delete,
    "撤销记录": _undo,
    "撤销": _undo,
    "请假": _leave,
    "取消请假": _cancel_leave,
    "排班": schedule.plan,
    "驻村": schedule.plan,
    "我的排班": schedule.mine,
    "取消排班": schedule.cancel,
    "到村": schedule.arrive,
    "离村": schedule.depart,
}
