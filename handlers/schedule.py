"""The counsel's on-site visits by chat (Q1, Q16): 排班, 我的排班, 取消排班, 到村, 离村.

A planned visit is announced to the village group the day before and that morning (the
reminders); 到村 … 离村 logs the time spent as an on-site visit entry.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, time

from handlers.context import Context
from handlers.counsel_common import village_month_line, villages_by_name
from handlers.counsel_parse import normalise, only_village, parse_visit
from handlers.texts import counsel as texts
from handlers.texts.common import hm_span, md, md_hm
from storage.errors import InvalidInput, NotFound
from storage.models import Counsel, Visit
from storage.services import directory, visits
from storage.services.ledger import Actor, EntryDraft, add_entry


def visit_when(visit: Visit, ctx: Context) -> str:
    """「12月10日 09:00-12:00」 in the deployment's zone."""
    tz = ctx.settings.tz
    day = md(visit.starts_at.astimezone(tz).date())
    return f"{day} {hm_span(visit.starts_at, visit.ends_at, tz)}"


def visit_line(visit: Visit, ctx: Context) -> str:
    """「12月10日 09:00-12:00 村委会」: when and where."""
    return f"{visit_when(visit, ctx)} {visit.place}".rstrip()


async def _villages(ctx: Context, counsel: Counsel) -> dict[str, str]:
    names = await villages_by_name(ctx, counsel)
    if not names:
        raise NotFound(texts.NO_VILLAGES)
    return names


async def plan(ctx: Context, counsel: Counsel, rest: str) -> None:
    """「排班 南岗村 12月10日 9:00-12:00 村委会」 (or 「驻村 …」)."""
    cmd = parse_visit(rest, ctx.today, await _villages(ctx, counsel))
    if not await directory.serves(ctx.session, counsel.id, cmd.village_id, cmd.day):
        raise InvalidInput(f"{md(cmd.day)}您不是该村的法律顾问，不能排班。")
    tz = ctx.settings.tz
    visit = await visits.schedule(
        ctx.session,
        counsel.id,
        cmd.village_id,
        datetime.combine(cmd.day, cmd.start, tz),
        datetime.combine(cmd.day, cmd.end, tz),
        place=cmd.place or ctx.settings.conversation.default_visit_place,
        now=ctx.now,
    )
    assert visit.id is not None
    names = await directory.village_names(ctx.session, {visit.village_id})
    await ctx.reply(
        texts.visit_scheduled(
            visit_id=visit.id,
            village=names.get(visit.village_id, visit.village_id),
            when=visit_when(visit, ctx),
            place=visit.place,
        )
    )


async def mine(ctx: Context, counsel: Counsel, _: str) -> None:
    """「我的排班」: the counsel's coming visits, with their numbers."""
    planned = await visits.upcoming_of_counsel(ctx.session, counsel.id, ctx.now)
    names = await directory.village_names(ctx.session, {v.village_id for v in planned})
    lines = [
        f"#{v.id} {visit_when(v, ctx)} {names.get(v.village_id, v.village_id)} {v.place}".rstrip()
        + ("（已到村）" if v.status == "on_site" else "")
        for v in planned
    ]
    await ctx.reply(texts.my_visits(lines))


async def cancel(ctx: Context, counsel: Counsel, rest: str) -> None:
    """「取消排班 #3」."""
    found = re.fullmatch(r"#?\s*(\d{1,9})", normalise(rest))
    if found is None:
        raise InvalidInput(texts.CANCEL_VISIT_FORM)
    visit = await visits.cancel(ctx.session, counsel.id, int(found[1]))
    names = await directory.village_names(ctx.session, {visit.village_id})
    await ctx.reply(
        texts.visit_cancelled(
            visit_id=int(found[1]),
            village=names.get(visit.village_id, visit.village_id),
            when=visit_when(visit, ctx),
        )
    )


async def arrive(ctx: Context, counsel: Counsel, rest: str) -> None:
    """「到村」 (or 「到村 南岗村」 for a counsel of several villages): check in."""
    names = await _villages(ctx, counsel)
    village_id = _which_village(names, rest.strip())
    conv = ctx.settings.conversation
    visit = await visits.arrive(
        ctx.session,
        counsel.id,
        village_id,
        ctx.now,
        day_start=datetime.combine(ctx.today, time(0), ctx.settings.tz),
        place=conv.default_visit_place,
        max_hours=conv.max_visit_hours,
    )
    village = (await directory.village_names(ctx.session, {visit.village_id}))[village_id]
    await ctx.reply(texts.arrived(village=village, at=md_hm(ctx.now, ctx.settings.tz)))


def _which_village(names: dict[str, str], given: str) -> str:
    if given:
        if given not in names:
            known = "、".join(sorted(k for k in names if k not in set(names.values())))
            raise InvalidInput(f"您派驻的村里没有「{given}」（{known}）。")
        return names[given]
    return only_village(names, texts.ARRIVE_FORM)


async def depart(ctx: Context, counsel: Counsel, _: str) -> None:
    """「离村」: check out; the time since 到村 is logged as an on-site visit entry."""
    conv = ctx.settings.conversation
    visit = await visits.depart(ctx.session, counsel.id, ctx.now, conv.max_visit_hours)
    assert visit.arrived_at is not None
    assert visit.id is not None
    minutes = max(1, math.ceil((ctx.now - visit.arrived_at).total_seconds() / 60))
    day = visit.arrived_at.astimezone(ctx.settings.tz).date()
    draft = EntryDraft(
        counsel_id=counsel.id,
        village_id=visit.village_id,
        day=day,
        kind="onsite",
        channel="visit",
        minutes=minutes,
        summary=f"驻村（到村 {md_hm(visit.arrived_at, ctx.settings.tz)}，离村 "
        f"{ctx.now.astimezone(ctx.settings.tz):%H:%M}）",
        source="chat",
        visit_id=visit.id,
    )
    entry = await add_entry(
        ctx.session, draft, actor=Actor.counsel(counsel.id), settings=ctx.settings, now=ctx.now
    )
    assert entry.id is not None
    village = (await directory.village_names(ctx.session, {visit.village_id}))[visit.village_id]
    line = await village_month_line(ctx, counsel.id, visit.village_id, day)
    await ctx.reply(
        texts.departed(entry_id=entry.id, village=village, minutes=minutes, progress=line)
    )
