"""Ratings of an answered ticket (Q12): the asker's 满意 / 基本满意 / 不满意 (or 1/2/3)."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.context import Context, Router
from handlers.counsel_parse import normalise
from handlers.ports import Target
from handlers.texts import questions as texts
from storage.models import Question
from storage.services import questions

router = Router()

SCORES = {"满意": 5, "非常满意": 5, "基本满意": 3, "一般": 3, "不满意": 1, "很不满意": 1}
DIGITS = {"1": 5, "2": 3, "3": 1}  # as the prompt numbers them
_TRIM = re.compile(r"[\s。.!！~～]+$")


async def rating(ctx: Context) -> tuple[Question, int] | None:
    """Matches a rating word (digits only in a private chat: in a group they mean
    nothing) from someone asked to rate within the window."""
    word = _TRIM.sub("", normalise(ctx.message.text).strip())
    score = SCORES.get(word) or (None if ctx.message.is_group else DIGITS.get(word))
    if score is None:
        return None
    since = ctx.now - timedelta(hours=ctx.settings.conversation.rating_window_hours)
    ticket = await questions.awaiting_rating(ctx.session, ctx.message.sender_id, since)
    return None if ticket is None else (ticket, score)


@router.route(rating)
async def record_rating(ctx: Context, found: tuple[Question, int]) -> None:
    """Store the rating for the ticket; 不满意 is told where to complain. The answer is
    private, whatever the rating came through."""
    ticket, score = found
    await questions.rate(ctx.session, ticket, score, ctx.now)
    text = texts.rating_unhappy(ctx.settings.contacts) if score == 1 else texts.rating_thanks(score)
    await ctx.chat.say(Target.person(ctx.message.sender_id), text)
