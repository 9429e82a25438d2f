"""Looking up a village's counsel: the contact card and the service times (Q8, Q9)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import col, select

from handlers import texts
from handlers.context import Context, Router
from storage.errors import NotFound
from storage.models import Village, Visit
from storage.services import directory

router = Router("directory")

_ASK_COUNSEL = re.compile(
    r"^\s*(?:@\S+\s*)?(?:我的律师|法律顾问|联系卡|顾问是谁|律师是谁)\s*(?P<village>\S*)\s*$"
)


async def asks_for_counsel(ctx: Context) -> Village | None:
    """Matches 「我的律师」 (in a bound group) or 「我的律师 村名」 (anywhere)."""
    found = _ASK_COUNSEL.match(ctx.message.text)
    if found is None:
        return None
    if found["village"]:
        return await directory.find_village(ctx.session, found["village"])
    if ctx.message.group_id:
        village = await directory.village_of_group(ctx.session, ctx.message.group_id)
        if village is not None:
            return village
    raise NotFound("请写上村名，例如「我的律师 南岗村」。")


@router.route(asks_for_counsel)
async def show_contact_card(ctx: Context, village: Village) -> None:
    """Reply with each counsel's contact card and the next scheduled visits."""
    counsel = await directory.counsel_of_village(ctx.session, village.id, ctx.today)
    if not counsel:
        await ctx.reply(
            f"{village.name}暂未配置法律顾问，请联系县司法局 {ctx.settings.contacts.bureau_phone}。"
        )
        return
    cards = [
        texts.contact_card(
            village=village.name,
            name=c.name,
            firm=c.firm,
            phone=c.phone,
            email=c.email,
            wechat=c.wechat or "",
            service=texts.SERVICE_CONTENT,
        )
        for c in counsel
    ]
    visits = await _upcoming_visits(ctx, village.id)
    await ctx.reply("\n\n".join([*cards, visits]))


async def _upcoming_visits(ctx: Context, village_id: str) -> str:
    until = ctx.now + timedelta(days=31)
    stmt = (
        select(Visit)
        .where(
            Visit.village_id == village_id,
            Visit.status == "scheduled",
            col(Visit.starts_at) >= ctx.now,
            col(Visit.starts_at) <= until,
        )
        .order_by(col(Visit.starts_at))
        .limit(3)
    )
    visits = list(await ctx.session.exec(stmt))
    if not visits:
        return "近期驻村时间：暂未排期，可先电话或微信联系律师。"
    return "近期驻村时间：" + "；".join(_when(v.starts_at, ctx) for v in visits)


def _when(moment: datetime, ctx: Context) -> str:
    local = moment.astimezone(ctx.settings.tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
