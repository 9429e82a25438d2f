"""Looking up a village's counsel: the contact card and the service times (Q8, Q9)."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.context import Context, Router
from handlers.texts import directory as texts
from handlers.texts.common import md_hm, no_counsel
from storage.errors import NotFound
from storage.models import Village
from storage.services import directory, visits

router = Router()

_ASK_COUNSEL = re.compile(
    r"^\s*(?:@\S+\s*)?(?:我的律师|法律顾问|联系卡|顾问是谁|律师是谁)\s*(?P<village>\S*)\s*$"
)
UPCOMING_DAYS = 31
UPCOMING_VISITS = 3


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
    raise NotFound(texts.NAME_THE_VILLAGE)


@router.route(asks_for_counsel)
async def show_contact_card(ctx: Context, village: Village) -> None:
    """Reply with each counsel's contact card and the next scheduled visits."""
    counsel = await directory.counsel_of_village(ctx.session, village.id, ctx.today)
    if not counsel:
        await ctx.reply(no_counsel(village.name, ctx.settings.contacts))
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
    await ctx.reply("\n\n".join([*cards, await _upcoming_visits(ctx, village.id)]))


async def _upcoming_visits(ctx: Context, village_id: str) -> str:
    """The next few scheduled visits of the coming month."""
    until = ctx.now + timedelta(days=UPCOMING_DAYS)
    planned = await visits.scheduled_between(
        ctx.session, ctx.now, until, village_id=village_id, limit=UPCOMING_VISITS
    )
    return texts.upcoming_visits([md_hm(v.starts_at, ctx.settings.tz) for v in planned])
