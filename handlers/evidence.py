"""The counsel's answers in a group become their evidence (Q12): after an answer closes a
ticket, the counsel is offered an off-site WeChat entry, and 「1」 logs it."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context
from handlers.counsel_parse import normalise, parse_duration
from handlers.texts import counsel as texts
from storage.errors import InvalidInput, NotFound
from storage.models import Counsel
from storage.services import questions
from storage.services.ledger import Actor, EntryDraft, add_entry


async def log_answers(ctx: Context, counsel: Counsel, minutes_text: str) -> None:
    """Log each ticket the counsel answered lately and has not logged, as a WeChat entry
    of ``minutes_text`` (default: the setting) citing the ticket."""
    conv = ctx.settings.conversation
    minutes = conv.evidence_minutes
    if minutes_text:
        read = parse_duration(normalise(minutes_text))
        if read is None:
            raise InvalidInput(texts.EVIDENCE_FORM)
        minutes = read
    since = ctx.now - timedelta(hours=conv.evidence_window_hours)
    answered = await questions.answered_unlogged(ctx.session, counsel.id, since)
    if not answered:
        raise NotFound(texts.NOTHING_TO_LOG)
    actor = Actor.counsel(counsel.id)
    lines: list[str] = []
    for q in answered:
        assert q.id is not None
        assert q.answered_at is not None
        draft = EntryDraft(
            counsel_id=counsel.id,
            village_id=q.village_id,
            day=q.answered_at.astimezone(ctx.settings.tz).date(),
            kind="offsite",
            channel="wechat",
            minutes=minutes,
            summary=f"群内答复问题 #{q.id}（{q.asker_name}）",
            source="group",
            question_id=q.id,
        )
        entry = await add_entry(ctx.session, draft, actor=actor, settings=ctx.settings, now=ctx.now)
        lines.append(f"#{entry.id}：问题 #{q.id}（{q.asker_name}）{minutes} 分钟")
    await ctx.reply(texts.evidence_logged(lines))
