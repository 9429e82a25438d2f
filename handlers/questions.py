"""Villagers' questions in a village group, and the counsel's answers that close them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from handlers.context import Context, Router
from handlers.ports import Target, mentioned_names
from handlers.schedule import visit_line
from handlers.texts import counsel as counsel_texts
from handlers.texts import questions as texts
from nlp.types import Classification
from storage.models import Counsel, Question, Village
from storage.privacy import mask_personal_numbers
from storage.services import complaints, directory, questions, visits
from storage.services.complaints import NewComplaint
from storage.services.questions import NewQuestion

router = Router()

_TICKET = re.compile(r"#(\d{1,9})")
# WeChat's quote (「引用」) as the puppet hands it over: 「张三：原话」, a dashed line, the reply
_QUOTE = re.compile(r"^\s*「(?P<who>[^：:」]{1,64})[：:](?P<what>.*?)」\s*\n[\s\-—]*\n", re.S)
NEXT_VISIT_DAYS = 31
# a cadre's notice to the whole group (「@所有人 明天上午九点在村委会开会…」)
_NOTICE = re.compile(r"@所有人|@全体成员|@everyone", re.IGNORECASE)
# 「投诉」 alone says what it is, even with no one named (the classifier wants a target)
_BARE_COMPLAINT = re.compile(
    r"^\s*(?:我要|我想)?投诉(?:律师|法律顾问|顾问|你们)?\s*[!！。.～~]*\s*$"
)


@dataclass(frozen=True, slots=True)
class CounselInGroup:
    """A counsel speaking in a bound group."""

    counsel: Counsel
    group_id: str


@dataclass(frozen=True, slots=True)
class VillagerMessage:
    """A villager's message in a bound group, classified."""

    village: Village
    group_id: str
    classification: Classification


async def counsel_in_group(ctx: Context) -> CounselInGroup | None:
    """Matches a group message sent by a counsel of the group's village.

    A counsel who does not serve that village speaks there as anyone else does.
    """
    group_id = ctx.message.group_id
    if group_id is None:
        return None
    counsel = await directory.counsel_by_chat_id(
        ctx.session, ctx.message.sender_id, ctx.message.sender_aliases
    )
    if counsel is None:
        return None
    village = await directory.village_of_group(ctx.session, group_id)
    if village is None or not await directory.serves(
        ctx.session, counsel.id, village.id, ctx.today
    ):
        return None
    return CounselInGroup(counsel, group_id)


@router.route(counsel_in_group)
async def counsel_answers(ctx: Context, found: CounselInGroup) -> None:
    """A counsel's answer closes the ticket it is for: the numbered ones (#12 #13), else
    each @-mentioned asker's quoted or latest non-urgent ticket. The counsel is told
    privately what closed, what is still open, and offered the entry (Q12); each asker
    is asked to rate the answer."""
    text = ctx.message.text
    quote = _QUOTE.match(text)
    quoted_name, quoted = (quote["who"], quote["what"]) if quote else ("", "")
    names = mentioned_names(text[quote.end() :] if quote else text)
    askers = [*ctx.message.mentioned_ids, *names, *([quoted_name] if quoted_name else [])]
    tickets = [int(t) for t in _TICKET.findall(text)]
    if not askers and not tickets:
        return
    closed = await questions.answer_questions(
        ctx.session,
        questions.Answer(
            group_id=found.group_id,
            counsel_id=found.counsel.id,
            when=ctx.now,
            today=ctx.today,
            askers=askers,
            ticket_ids=tickets,
            quoted=quoted,
            text=text[quote.end() :] if quote else text,
        ),
    )
    me = Target.person(ctx.message.sender_id)
    if not closed:  # say so privately, never silence
        await ctx.chat.say(me, texts.nothing_to_close(names=names, tickets=tickets))
        return
    waiting = await questions.still_open(ctx.session, found.group_id, [q.asker_id for q in closed])
    await ctx.chat.say(
        me,
        counsel_texts.answer_confirmed(
            closed=[f"#{q.id}（{q.asker_name}）" for q in closed],
            still_open=[f"#{q.id}（{q.asker_name}）" for q in waiting],
            minutes=ctx.settings.conversation.evidence_minutes,
        ),
    )
    for question in closed:
        await _ask_for_rating(ctx, question)


async def _ask_for_rating(ctx: Context, question: Question) -> None:
    """Q12: ask the asker once, privately, unless they rated within the quiet days."""
    conv = ctx.settings.conversation
    if await questions.rated_since(
        ctx.session, question.asker_id, ctx.now - timedelta(days=conv.rating_quiet_days)
    ):
        return
    await questions.mark_rating_asked(ctx.session, question, ctx.now)
    assert question.id is not None
    await ctx.chat.say(
        Target.person(question.asker_id),
        texts.rating_prompt(
            name=question.asker_name, ticket=question.id, hours=conv.rating_window_hours
        ),
        dedup_key=f"rate:{question.id}",
    )


async def unbound_group_mention(ctx: Context) -> bool | None:
    """Matches an @-mention of the bot in a group that is bound to no village."""
    group_id = ctx.message.group_id
    if group_id is None or not ctx.message.mentions_bot:
        return None
    bound = await directory.village_of_group(ctx.session, group_id)
    return True if bound is None else None


@router.route(unbound_group_mention)
async def explain_unbound(ctx: Context, _: bool) -> None:
    """Tell the group it must be bound before questions can be taken."""
    await ctx.reply(texts.UNBOUND_GROUP)


async def villager_message(ctx: Context) -> VillagerMessage | None:
    """Matches a villager's message in a bound group, with its classification."""
    group_id = ctx.message.group_id
    if group_id is None:
        return None
    village = await directory.village_of_group(ctx.session, group_id)
    if village is None:
        return None
    return VillagerMessage(village, group_id, ctx.language.classify(ctx.message.text))


@router.route(villager_message)
async def villager_speaks(ctx: Context, found: VillagerMessage) -> None:
    """Answer a question, report an urgent risk, record a complaint, or stay quiet.

    Several lines from one person within the merge window are one question: the lines
    before it are taken into it, the lines after it are added to it, one reply in all.
    """
    c = found.classification
    window = ctx.settings.conversation.merge_window_seconds
    if c.is_urgent:
        await _urgent(ctx, found)
    elif _NOTICE.search(ctx.message.text):  # a notice to everyone is never a question
        return
    elif "complaint" in c.intents or _BARE_COMPLAINT.match(ctx.message.text):
        await _complaint(ctx, found)
    elif window and await _continues(ctx, found, window):
        return
    elif c.is_question:
        await _question(ctx, found, window)
    elif ctx.message.mentions_bot:
        await ctx.reply(texts.mentioned_help(ctx.settings.bot_name))
    elif window:
        await questions.keep_fragment(
            ctx.session, found.group_id, ctx.message.sender_id, ctx.message.text, ctx.now, window
        )


async def _continues(ctx: Context, found: VillagerMessage, window: int) -> bool:
    """Add the line to the person's ticket if they opened it (or added to it) within the
    window; True when it did."""
    ticket = await questions.continued_question(
        ctx.session, found.group_id, ctx.message.sender_id, ctx.now, window
    )
    if ticket is None:
        return False
    whole = ctx.language.classify(f"{ticket.text}\n{ctx.message.text}")
    await questions.add_part(
        ctx.session, ticket, ctx.message.text, ctx.now, category=whole.category
    )
    return True


async def _open(
    ctx: Context, found: VillagerMessage, text: str | None = None
) -> tuple[int, list[Counsel]]:
    c = found.classification
    ticket = await questions.open_question(
        ctx.session,
        NewQuestion(
            village_id=found.village.id,
            group_id=found.group_id,
            asker_id=ctx.message.sender_id,
            asker_name=ctx.message.sender_name,
            text=ctx.message.text if text is None else text,
            category=c.category,
            confidence=c.confidence,
            intents=sorted(c.intents),
            asked_at=ctx.now,
            message_id=ctx.message.message_id,
        ),
    )
    counsel = await directory.counsel_of_village(ctx.session, found.village.id, ctx.today)
    return ticket, counsel


def _mentions(counsel: list[Counsel]) -> tuple[list[str], list[str]]:
    return [c.name for c in counsel], [c.wechat for c in counsel if c.wechat]


async def _bureau_of(ctx: Context, village: Village) -> str | None:
    """The chat id of the bureau contact of the village's county, if set."""
    place = await directory.place_of(ctx.session, village)
    return await directory.bureau_contact(ctx.session, place.county)


async def _alert(ctx: Context, village: Village, counsel: list[Counsel], text: str) -> None:
    """Tell the village's counsel and its county bureau contact, privately (G3, Q10)."""
    bureau = await _bureau_of(ctx, village)
    for person in [*_mentions(counsel)[1], *([bureau] if bureau else [])]:
        await ctx.chat.say(Target.person(person), text)


async def _sender_is_counsel(ctx: Context) -> bool:
    found = await directory.counsel_by_chat_id(
        ctx.session, ctx.message.sender_id, ctx.message.sender_aliases
    )
    return found is not None


async def _village_asked_in(ctx: Context) -> Village | None:
    """The village where the sender last asked a question (for a private message)."""
    village_id = await questions.latest_village_of(ctx.session, ctx.message.sender_id)
    return await directory.village_by_id(ctx.session, village_id) if village_id else None


async def _question(ctx: Context, found: VillagerMessage, window: int) -> None:
    before = await questions.take_fragments(
        ctx.session, found.group_id, ctx.message.sender_id, ctx.now, window
    )
    if before:  # the question is the lines that led into it, and this one
        text = "\n".join([*before, ctx.message.text])
        whole = ctx.language.classify(text)
        if whole.is_question and not whole.is_urgent:
            found = replace(found, classification=whole)
    else:
        text = ctx.message.text
    ticket, counsel = await _open(ctx, found, text)
    guide = ctx.language.guidance(found.classification.category)
    names, ids = _mentions(counsel)
    day_start = datetime.combine(ctx.today, time(0), ctx.settings.tz)
    reply = texts.question_reply(
        asker=ctx.message.sender_name,
        ticket=ticket,
        category_name=guide.name,
        channels=guide.channels,
        tip=guide.tip,
        counsel_names=names,
        contacts=ctx.settings.contacts,
        wants_legal_aid="legal_aid" in found.classification.intents,
        next_visit=await next_visit(ctx, found.village.id),
        first_today=not await questions.asked_today_before(
            ctx.session, ctx.message.sender_id, day_start, ticket
        ),
    )
    if found.classification.crisis == "fraud":  # stop the loss before any talk of lawsuits
        reply = texts.fraud_first(ctx.settings.contacts) + "\n" + reply
    await ctx.reply(reply, [ctx.message.sender_id, *ids])


async def next_visit(ctx: Context, village_id: str) -> str:
    """The village's next planned visit, 「12月10日 09:00-12:00 村委会」, or ""."""
    planned = await visits.scheduled_between(
        ctx.session,
        ctx.now,
        ctx.now + timedelta(days=NEXT_VISIT_DAYS),
        village_id=village_id,
        limit=1,
    )
    return visit_line(planned[0], ctx) if planned else ""


async def _urgent(ctx: Context, found: VillagerMessage) -> None:
    """G3: answer calmly in the group and alert the counsel and the bureau at once; a
    danger to the person's own life is answered privately, never in the group."""
    if found.classification.crisis == "self_harm":
        await _self_harm(ctx, found)
        return
    ticket, counsel = await _open(ctx, found)
    names, ids = _mentions(counsel)
    contacts = ctx.settings.contacts
    await ctx.reply(
        texts.urgent_reply(asker=ctx.message.sender_name, counsel_names=names, contacts=contacts),
        [ctx.message.sender_id, *ids],
    )
    alert = texts.urgent_alert(
        village=found.village.name,
        asker=ctx.message.sender_name,
        ticket=ticket,
        text=mask_personal_numbers(ctx.message.text),
    )
    await _alert(ctx, found.village, counsel, alert)


async def _complaint(ctx: Context, found: VillagerMessage) -> None:
    """Q10: record the complaint; answer the complainant privately (never @-named in a
    group the counsel reads) and tell the county bureau at once."""
    await _record_complaint(ctx, found.village)


async def _record_complaint(ctx: Context, village: Village | None) -> None:
    counsel = (
        await directory.counsel_of_village(ctx.session, village.id, ctx.today) if village else []
    )
    complaint = await complaints.record_complaint(
        ctx.session,
        NewComplaint(
            village_id=village.id if village else None,
            counsel_id=counsel[0].id if counsel else None,
            complainant_id=ctx.message.sender_id,
            text=ctx.message.text,
            created_at=ctx.now,
        ),
    )
    assert complaint.id is not None
    contacts = ctx.settings.contacts
    await ctx.chat.say(
        Target.person(ctx.message.sender_id),
        texts.complaint_reply(
            asker=ctx.message.sender_name, number=complaint.id, contacts=contacts
        ),
    )
    if village is None:
        return
    bureau = await _bureau_of(ctx, village)
    if bureau:
        notice = texts.complaint_notice(
            number=complaint.id,
            village=village.name,
            complainant=ctx.message.sender_name,
            contact=f"微信 {ctx.message.sender_id}",
            counsel="、".join(c.name for c in counsel),
            text=complaint.text,
        )
        await ctx.chat.say(Target.person(bureau), notice)


async def _self_harm(ctx: Context, found: VillagerMessage) -> None:
    """A caring private reply with the crisis hotline; the counsel and the bureau get the
    person's contact, which is what they need to call (G3, G4: nothing said in the group)."""
    ticket, counsel = await _open(ctx, found)
    contacts = ctx.settings.contacts
    me = Target.person(ctx.message.sender_id)
    await ctx.chat.say(me, texts.self_harm_reply(name=ctx.message.sender_name, contacts=contacts))
    alert = texts.self_harm_alert(
        village=found.village.name,
        asker=ctx.message.sender_name,
        contact=f"微信 {ctx.message.sender_id}",
        ticket=ticket,
        text=mask_personal_numbers(ctx.message.text),
    )
    await _alert(ctx, found.village, counsel, alert)


async def private_self_harm(ctx: Context) -> Classification | None:
    """Matches a private message, from someone who is not a counsel, about ending their life."""
    if ctx.message.is_group:
        return None
    found = ctx.language.classify(ctx.message.text)
    if found.crisis != "self_harm" or await _sender_is_counsel(ctx):
        return None
    return found


@router.route(private_self_harm)
async def answer_self_harm_privately(ctx: Context, _: Classification) -> None:
    """The same care as in a group; the alert goes to the counsel of the village the person
    asked in before, when there is one."""
    await ctx.reply(
        texts.self_harm_reply(name=ctx.message.sender_name, contacts=ctx.settings.contacts)
    )
    village = await _village_asked_in(ctx)
    if village is None:
        return
    counsel = await directory.counsel_of_village(ctx.session, village.id, ctx.today)
    alert = texts.self_harm_alert(
        village=village.name,
        asker=ctx.message.sender_name,
        contact=f"微信 {ctx.message.sender_id}",
        ticket=None,
        text=mask_personal_numbers(ctx.message.text),
    )
    await _alert(ctx, village, counsel, alert)


async def private_complaint(ctx: Context) -> bool | None:
    """Matches a complaint sent privately by someone who is not a counsel."""
    if ctx.message.is_group:
        return None
    text = ctx.message.text
    if not (_BARE_COMPLAINT.match(text) or "complaint" in ctx.language.classify(text).intents):
        return None
    return None if await _sender_is_counsel(ctx) else True


@router.route(private_complaint)
async def record_private_complaint(ctx: Context, _: bool) -> None:
    """Q10: a private complaint is recorded too, for the village the person asked in."""
    await _record_complaint(ctx, await _village_asked_in(ctx))
