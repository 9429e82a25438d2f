"""Question tickets: opened when a villager asks, closed when the counsel answers (G5, G6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import columns_of, detached, insert_params, new_row, param, table_of
from storage.models import Assignment, Fragment, Question, ServiceLogEntry, SurveyAnswer
from storage.prepared import Prepared
from storage.privacy import mask_personal_numbers


@dataclass(frozen=True, slots=True)
class NewQuestion:
    """What is known of a question when it is asked."""

    village_id: str
    group_id: str | None
    asker_id: str
    asker_name: str
    text: str
    category: str
    confidence: float
    intents: Sequence[str]
    asked_at: datetime
    message_id: str | None = None


async def open_question(session: AsyncSession, new: NewQuestion) -> int:
    """Store a question as open, and return its ticket number; ID-card and phone numbers
    are masked before storing."""
    given = {
        "village_id": new.village_id,
        "group_id": new.group_id,
        "asker_id": new.asker_id,
        "asker_name": new.asker_name,
        "text": mask_personal_numbers(new.text),
        "category": new.category,
        "confidence": round(new.confidence, 3),
        "intents": sorted(new.intents),
        "asked_at": new.asked_at,
        "message_id": new.message_id,
    }
    # one Core insert built once: the unit of work's flush, and building a Question to
    # flush, cost more than the insert did (issue 12)
    found = await _INSERT_QUESTION.first(session, new_row(Question, given))
    assert found is not None  # RETURNING of an INSERT that cannot be skipped
    return int(found[0])


_INSERT_QUESTION = Prepared(  # the ticket insert (issue 12)
    lambda _: (
        insert(table_of(Question))
        .values(insert_params(Question))
        .returning(table_of(Question).c.id)
    )
)


@dataclass(frozen=True, slots=True)
class Answer:
    """A counsel's answer in a group: whom it @-mentions, which tickets it numbers, and
    the text it quotes (WeChat's 「引用」), if any."""

    group_id: str
    counsel_id: str
    when: datetime
    today: date
    askers: Sequence[str] = ()
    ticket_ids: Sequence[int] = ()
    quoted: str = ""
    text: str = ""  # the answer as written, kept (masked) as the evidence of the ticket


async def answer_questions(session: AsyncSession, answer: Answer) -> list[Question]:
    """Close the tickets an answer is for, only of villages the counsel serves that day
    (a counsel closes no other village's tickets, whatever group they write in).

    Numbered tickets (``#12 #13``) are closed as numbered. Otherwise each @-mentioned
    asker's one ticket is closed: the one whose text holds the quoted words, else the
    latest that is not urgent (an urgent one is closed only by its number).

    Prebuilt statements, one per number or asker, and one UPDATE per ticket closed
    (issue 12: built and loaded through the ORM, a counsel's answer cost more than two
    questions); the tickets returned are read-only copies, as closed.
    """
    if not answer.askers and not answer.ticket_ids:
        return []
    base = {"group_id": answer.group_id, "counsel_id": answer.counsel_id, "day": answer.today}
    found: dict[int, Question] = {}
    if answer.ticket_ids:
        for number in dict.fromkeys(answer.ticket_ids):
            await _collect(found, _OPEN_BY_NUMBER, session, {**base, "id": number})
        closing = _by_number(found)
    else:
        for asker in dict.fromkeys(answer.askers):
            await _collect(found, _OPEN_OF_ASKER, session, {**base, "asker": asker})
        latest_first = sorted(found.values(), key=_latest_first)
        closing = sorted(_one_per_asker(latest_first, answer.quoted), key=_number)
    text = mask_personal_numbers(answer.text.strip())[:4000]
    for question in closing:
        question.status = "answered"
        question.answered_at = answer.when
        question.answered_by = answer.counsel_id
        question.answer_text = text
        params = {"id": question.id, "when": answer.when, "by": answer.counsel_id, "text": text}
        await _CLOSE.rows(session, params)
    return closing


async def _collect(
    found: dict[int, Question], statement: Prepared, session: AsyncSession, params: dict[str, Any]
) -> None:
    for row in await statement.rows(session, params):
        ticket = detached(Question, row)
        found[_number(ticket)] = ticket


def _by_number(found: dict[int, Question]) -> list[Question]:
    return [found[number] for number in sorted(found)]


def _number(ticket: Question) -> int:
    assert ticket.id is not None
    return ticket.id


def _latest_first(ticket: Question) -> tuple[float, int]:
    return (-ticket.asked_at.timestamp(), -_number(ticket))


def _answerable() -> ColumnElement[bool]:
    """Open, in the group, of a village the counsel serves on the day (parameters
    ``group_id``, ``counsel_id``, ``day``)."""
    day = param(Assignment.start, "day")
    served = select(col(Assignment.village_id)).where(
        col(Assignment.counsel_id) == param(Assignment.counsel_id),
        Assignment.overlapping(day, day),
    )
    return and_(
        col(Question.group_id) == param(Question.group_id),
        col(Question.status) == "open",
        col(Question.village_id).in_(served),
    )


_OPEN_BY_NUMBER = Prepared(
    lambda _: select(*columns_of(Question)).where(
        _answerable(), col(Question.id) == param(Question.id)
    )
)
_OPEN_OF_ASKER = Prepared(  # an @-mention names the asker's chat id, or the name shown
    lambda _: select(*columns_of(Question)).where(
        _answerable(),
        or_(
            col(Question.asker_id) == param(Question.asker_id, "asker"),
            col(Question.asker_name) == param(Question.asker_name, "asker"),
        ),
    )
)
_CLOSE = Prepared(
    lambda _: (
        update(table_of(Question))
        .where(col(Question.id) == param(Question.id))
        .values(
            status="answered",
            answered_at=param(Question.answered_at, "when"),
            answered_by=param(Question.answered_by, "by"),
            answer_text=param(Question.answer_text, "text"),
        )
    )
)


def _one_per_asker(open_latest_first: list[Question], quoted: str) -> list[Question]:
    by_asker: dict[str, list[Question]] = {}
    for q in open_latest_first:
        by_asker.setdefault(q.asker_id, []).append(q)
    chosen: list[Question] = []
    needle = quoted.strip()[:30]
    for tickets in by_asker.values():
        quoted_one = [q for q in tickets if needle and (needle in q.text or q.text in needle)]
        calm = [q for q in tickets if "urgent" not in q.intents]
        pick = (quoted_one or calm)[:1]
        chosen.extend(pick)
    return chosen


async def still_open(
    session: AsyncSession, group_id: str, asker_ids: Sequence[str]
) -> list[Question]:
    """The open tickets of these askers in this group, by number (to tell the counsel):
    read-only copies, one prebuilt statement per asker (issue 12)."""
    found: dict[int, Question] = {}
    for asker_id in dict.fromkeys(asker_ids):
        params = {"group_id": group_id, "asker_id": asker_id}
        await _collect(found, _STILL_OPEN, session, params)
    return _by_number(found)


_STILL_OPEN = Prepared(
    lambda _: select(*columns_of(Question)).where(
        col(Question.group_id) == param(Question.group_id),
        col(Question.asker_id) == param(Question.asker_id),
        col(Question.status) == "open",
    )
)


# --- several lines from one person are one question ----------------------------------------

# The chat path's reads, built once with parameters (issue 12).
_FRAGMENTS = Prepared(
    lambda _: (
        select(Fragment.text)
        .where(
            col(Fragment.group_id) == param(Fragment.group_id),
            col(Fragment.sender_id) == param(Fragment.sender_id),
            col(Fragment.at) >= param(Fragment.at, "since"),
        )
        .order_by(col(Fragment.at), col(Fragment.id))
    )
)
_SWEEP_FRAGMENTS = Prepared(  # anyone's lines older than the window
    lambda _: delete(table_of(Fragment)).where(col(Fragment.at) < param(Fragment.at, "before"))
)
_INSERT_FRAGMENT = Prepared(lambda _: insert(table_of(Fragment)).values(insert_params(Fragment)))
_USE_FRAGMENTS = Prepared(  # a person's lines in a group, taken into their question
    lambda _: delete(table_of(Fragment)).where(
        col(Fragment.group_id) == param(Fragment.group_id),
        col(Fragment.sender_id) == param(Fragment.sender_id),
    )
)
_CONTINUED = Prepared(  # what a new line needs of the ticket: no ORM object
    lambda _: (
        select(col(Question.id), col(Question.text))
        .where(
            col(Question.group_id) == param(Question.group_id),
            col(Question.asker_id) == param(Question.asker_id),
            col(Question.status) == "open",
            func.coalesce(col(Question.last_part_at), col(Question.asked_at))
            >= param(Question.asked_at, "since"),
        )
        .order_by(col(Question.id).desc())
        .limit(1)
    )
)
_ADD_PART = Prepared(
    lambda _: (
        update(table_of(Question))
        .where(col(Question.id) == param(Question.id))
        .values(
            text=param(Question.text),
            last_part_at=param(Question.last_part_at),
            category=param(Question.category),
        )
    )
)
_ASKED_BEFORE = Prepared(  # any such row will do: no count of them all
    lambda _: (
        select(col(Question.id))
        .where(
            col(Question.asker_id) == param(Question.asker_id),
            col(Question.asked_at) >= param(Question.asked_at, "since"),
            col(Question.id) != param(Question.id, "ticket_id"),
        )
        .limit(1)
    )
)


async def keep_fragment(
    session: AsyncSession, group_id: str, sender_id: str, text: str, at: datetime, window: int
) -> None:
    """Keep a line that is no question by itself for ``window`` seconds (masked); lines
    older than the window, anyone's, are dropped on the way.

    Most of a busy group's lines are no questions, so this is the chat path's commonest
    write: two statements built once (issue 12), not the ORM's delete and unit of work,
    which made a line of chit-chat cost more than a question."""
    await _SWEEP_FRAGMENTS.rows(session, {"before": at - timedelta(seconds=window)})
    given = {
        "group_id": group_id,
        "sender_id": sender_id,
        "text": mask_personal_numbers(text),
        "at": at,
    }
    await _INSERT_FRAGMENT.rows(session, new_row(Fragment, given))


async def take_fragments(
    session: AsyncSession, group_id: str, sender_id: str, at: datetime, window: int
) -> list[str]:
    """The person's lines of the last ``window`` seconds in this group, oldest first; they
    are used up (deleted) by being taken."""
    since = at - timedelta(seconds=window)
    params = {"group_id": group_id, "sender_id": sender_id, "since": since}
    lines = [text for (text,) in await _FRAGMENTS.rows(session, params)]
    if lines:  # nothing to use up (the usual case): no DELETE (expired ones are swept)
        await _USE_FRAGMENTS.rows(session, params)
    return lines


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """A ticket a new line may continue: its number and its text so far (masked)."""

    id: int
    text: str


async def continued_question(
    session: AsyncSession, group_id: str, asker_id: str, at: datetime, window: int
) -> OpenTicket | None:
    """The person's open ticket in this group whose last line came within ``window``
    seconds: a new line from them continues it rather than asking again."""
    since = at - timedelta(seconds=window)
    params = {"group_id": group_id, "asker_id": asker_id, "since": since}
    found = await _CONTINUED.first(session, params)
    return None if found is None else OpenTicket(int(found[0]), str(found[1]))


async def add_part(
    session: AsyncSession, ticket: OpenTicket, text: str, at: datetime, *, category: str
) -> None:
    """Append a line to a ticket (masked), with the category of the whole text: one
    prebuilt UPDATE (issue 12: loading the ticket as an ORM object and flushing it cost
    more than opening a new ticket)."""
    params = {
        "id": ticket.id,
        "text": f"{ticket.text}\n{mask_personal_numbers(text)}",
        "last_part_at": at,
        "category": category,
    }
    await _ADD_PART.rows(session, params)


async def asked_today_before(
    session: AsyncSession, asker_id: str, start_of_day: datetime, ticket_id: int
) -> bool:
    """True when the person opened another ticket earlier today (any group): the legal
    aid line and the disclaimer were shown to them then."""
    params = {"asker_id": asker_id, "since": start_of_day, "ticket_id": ticket_id}
    return await _ASKED_BEFORE.first(session, params) is not None


# --- the answer as the counsel's evidence (Q12) ----------------------------------------------


async def answered_unlogged(
    session: AsyncSession, counsel_id: str, since: datetime
) -> list[Question]:
    """Tickets the counsel answered since ``since`` that no ledger entry cites yet."""
    logged = select(ServiceLogEntry.question_id).where(
        col(ServiceLogEntry.question_id).is_not(None)
    )
    stmt = select(Question).where(
        Question.answered_by == counsel_id,
        col(Question.answered_at) >= since,
        col(Question.id).not_in(logged),
    )
    return list(await session.exec(stmt.order_by(col(Question.id))))


# --- ratings (Q12) -------------------------------------------------------------------------


async def rated_since(session: AsyncSession, person_id: str, since: datetime) -> bool:
    """True when the person rated the service since ``since`` (any such rating will do:
    one prebuilt statement, no count of them all)."""
    params = {"respondent_id": person_id, "since": since}
    return await _RATED_SINCE.first(session, params) is not None


_RATED_SINCE = Prepared(
    lambda _: (
        select(col(SurveyAnswer.id))
        .where(
            col(SurveyAnswer.respondent_id) == param(SurveyAnswer.respondent_id),
            col(SurveyAnswer.created_at) >= param(SurveyAnswer.created_at, "since"),
        )
        .limit(1)
    )
)


async def mark_rating_asked(session: AsyncSession, question: Question, at: datetime) -> None:
    """Note that the asker was asked to rate this ticket (one prebuilt UPDATE; the
    object, a read-only copy from :func:`answer_questions`, is given the time too)."""
    question.rating_asked_at = at
    await _RATING_ASKED.rows(session, {"id": question.id, "at": at})


_RATING_ASKED = Prepared(
    lambda _: (
        update(table_of(Question))
        .where(col(Question.id) == param(Question.id))
        .values(rating_asked_at=param(Question.rating_asked_at, "at"))
    )
)


async def awaiting_rating(
    session: AsyncSession, person_id: str, since: datetime
) -> Question | None:
    """The person's latest ticket they were asked to rate since ``since`` and have not."""
    rated = select(SurveyAnswer.question_id).where(col(SurveyAnswer.question_id).is_not(None))
    stmt = (
        select(Question)
        .where(
            Question.asker_id == person_id,
            col(Question.rating_asked_at) >= since,
            col(Question.id).not_in(rated),
        )
        .order_by(col(Question.rating_asked_at).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def rate(session: AsyncSession, question: Question, score: int, at: datetime) -> SurveyAnswer:
    """Store the asker's rating of a ticket's answer."""
    assert question.id is not None
    answer = SurveyAnswer(
        village_id=question.village_id,
        counsel_id=question.answered_by,
        respondent_id=question.asker_id,
        question_id=question.id,
        score=score,
        created_at=at,
    )
    session.add(answer)
    await session.flush()
    return answer


async def waiting_since(session: AsyncSession, cutoff: datetime) -> list[Question]:
    """Open questions asked at or before ``cutoff``, by ticket number (G6)."""
    stmt = select(Question).where(Question.status == "open", col(Question.asked_at) <= cutoff)
    return list(await session.exec(stmt.order_by(col(Question.id))))


async def latest_village_of(session: AsyncSession, asker_id: str) -> str | None:
    """The village of the latest question this person asked, if any."""
    stmt = (
        select(Question.village_id)
        .where(Question.asker_id == asker_id)
        .order_by(col(Question.asked_at).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()
