"""New members of a village group get two lines and the way to the counsel's card, at
most once a day per group (a busy group is not flooded when many join)."""

from __future__ import annotations

from handlers.context import Context, Router
from handlers.texts import questions as texts
from storage.models import Village
from storage.services import directory

router = Router()


async def joined_bound_group(ctx: Context) -> Village | None:
    """Matches a join event in a group bound to a village."""
    if not ctx.message.joined or ctx.message.group_id is None:
        return None
    return await directory.village_of_group(ctx.session, ctx.message.group_id)


@router.route(joined_bound_group)
async def welcome(ctx: Context, village: Village) -> None:
    """Welcome, once a day per group (the dedup key holds the group and the day)."""
    assert ctx.message.group_id is not None
    await ctx.chat.say(
        ctx.message.reply_target,
        texts.welcome(
            village=village.name, names=ctx.message.joined, bot_name=ctx.settings.bot_name
        ),
        dedup_key=f"welcome:{ctx.message.group_id}:{ctx.today.isoformat()}",
    )


async def any_join(ctx: Context) -> bool | None:
    """Matches any other join event (an unbound group): nothing to say."""
    return True if ctx.message.joined else None


@router.route(any_join)
async def ignore_join(ctx: Context, _: bool) -> None:
    """A join in a group bound to no village is not a message to answer."""
