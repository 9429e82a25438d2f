"""The fallback for private messages: a short menu."""

from __future__ import annotations

from handlers.context import Context, Router
from handlers.texts.help import private_help

router = Router()


async def private_message(ctx: Context) -> bool | None:
    """Matches any private message not handled before."""
    return None if ctx.message.is_group else True


@router.route(private_message)
async def show_menu(ctx: Context, _: bool) -> None:
    """Reply with the menu."""
    await ctx.reply(private_help(ctx.settings.bot_name))
