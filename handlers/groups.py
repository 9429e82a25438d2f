"""Binding a group to its village from inside the group: 「绑定 南岗村」 (issue 9), 「解绑」.

Only the village's counsel or the county bureau's contact may; the service decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.context import Context, Router
from handlers.texts import groups as texts
from storage.services import directory

router = Router()

_BIND = re.compile(r"^\s*绑定\s*(?P<village>\S{1,64})\s*$")
_UNBIND = re.compile(r"^\s*(?:解绑|解除绑定|取消绑定)\s*[。!！]?\s*$")


@dataclass(frozen=True, slots=True)
class BindRequest:
    """A group message asking to bind the group to a village."""

    group_id: str
    village: str


async def bind_request(ctx: Context) -> BindRequest | None:
    """Matches 「绑定 村名或村编号」 in a group."""
    found = _BIND.match(ctx.message.text)
    if ctx.message.group_id is None or found is None:
        return None
    return BindRequest(ctx.message.group_id, found["village"])


@router.route(bind_request)
async def bind(ctx: Context, request: BindRequest) -> None:
    """Bind, or say why not (a refusal is the domain error's message)."""
    senders = (ctx.message.sender_id, *ctx.message.sender_aliases)
    village = await directory.bind_group_in_chat(
        ctx.session, request.group_id, request.village, senders, ctx.today
    )
    await ctx.reply(texts.bound(village.name))


async def unbind_request(ctx: Context) -> str | None:
    """Matches 「解绑」 in a group."""
    if ctx.message.group_id is None or not _UNBIND.match(ctx.message.text):
        return None
    return ctx.message.group_id


@router.route(unbind_request)
async def unbind(ctx: Context, group_id: str) -> None:
    """Unbind, or say why not: villagers may not."""
    senders = (ctx.message.sender_id, *ctx.message.sender_aliases)
    village = await directory.unbind_group_in_chat(ctx.session, group_id, senders, ctx.today)
    await ctx.reply(texts.unbound(village.name))
