"""Looking up a village's counsel: the contact card and the service times (Q8, Q9)."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.context import Context, Router
from handlers.schedule import visit_line
from handlers.texts import directory as texts
from handlers.texts.common import no_counsel
from storage.errors import NotFound
from storage.models import Village
from storage.services import directory, visits

router = Router()

_ASK_COUNSEL = re.compile(
    r"^\s*(?:@\S+\s*)?(?:我的律师|法律顾问|联系卡|顾问是谁|律师是谁)\s*(?P<village>\S*)\s*$"
)
# a question about the counsel is a card request, not a legal question (issue 10):
# 律师什么时候来村里 / 律师电话多少 / 我们村的法律顾问是谁 / 联系方式 / 怎么联系律师
_COUNSEL = r"(?:律师|法律顾问|顾问)"
_ABOUT_COUNSEL = re.compile(
    rf"{_COUNSEL}(?:的|啥|什么)?(?:电话|手机|微信号?|联系方式)"
    rf"|{_COUNSEL}(?:什么时候|啥时候|哪天|几时|多久)(?:来|到|过来|下来)"
    rf"|{_COUNSEL}(?:是谁|是哪位|叫什么)"
    rf"|怎么(?:联系|找){_COUNSEL}"
    r"|^\s*(?:联系方式|联系电话)\s*[?？]?\s*$"
)
_NOT_ABOUT_THE_COUNSEL = re.compile(r"请律师|找律师打官司|律师费|律师函|起诉")
UPCOMING_DAYS = 31
UPCOMING_VISITS = 3


async def asks_for_counsel(ctx: Context) -> Village | None:
    """Matches 「我的律师」 (in a bound group) or 「我的律师 村名」 (anywhere), and a
    question about the counsel (「律师什么时候来村里」, 「联系方式」) in a bound group."""
    text = ctx.message.text
    found = _ASK_COUNSEL.match(text)
    if found is None:
        return await _about_counsel(ctx) if _asks_about_counsel(text) else None
    if found["village"]:
        return await directory.find_village(ctx.session, found["village"])
    if ctx.message.group_id:
        village = await directory.village_of_group(ctx.session, ctx.message.group_id)
        if village is not None:
            return village
    raise NotFound(texts.NAME_THE_VILLAGE)


def _asks_about_counsel(text: str) -> bool:
    """A short question about the village's counsel (when they come, how to reach them)."""
    return (
        len(text) <= 40
        and _ABOUT_COUNSEL.search(text) is not None
        and _NOT_ABOUT_THE_COUNSEL.search(text) is None
    )


async def _about_counsel(ctx: Context) -> Village | None:
    """The group's village for a question about its counsel (None: not in a bound group)."""
    if ctx.message.group_id:
        return await directory.village_of_group(ctx.session, ctx.message.group_id)
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
    return texts.upcoming_visits([visit_line(v, ctx) for v in planned])
