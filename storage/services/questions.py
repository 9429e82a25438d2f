"""Question tickets: opened when a villager asks, closed when the counsel answers (G5, G6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Assignment, Question
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


async def open_question(session: AsyncSession, new: NewQuestion) -> Question:
    """Store a question as open; ID-card and phone numbers are masked before storing."""
    question = Question(
        village_id=new.village_id,
        group_id=new.group_id,
        asker_id=new.asker_id,
        asker_name=new.asker_name,
        text=mask_personal_numbers(new.text),
        category=new.category,
        confidence=round(new.confidence, 3),
        intents=sorted(new.intents),
        asked_at=new.asked_at,
        message_id=new.message_id,
    )
    session.add(question)
    await session.flush()
    return question


async def answer_questions(
    session: AsyncSession,
    *,
    group_id: str,
    counsel_id: str,
    when: datetime,
    today: date,
    askers: Sequence[str] = (),
    ticket_ids: Sequence[int] = (),
) -> list[Question]:
    """Close a group's open questions asked by ``askers`` (ids or names) or numbered
    ``ticket_ids``; only those of villages the counsel serves ``today`` (a counsel closes
    no other village's tickets, whatever group they write in)."""
    if not askers and not ticket_ids:
        return []
    served = select(Assignment.village_id).where(
        Assignment.counsel_id == counsel_id, Assignment.overlapping(today, today)
    )
    stmt = select(Question).where(
        Question.group_id == group_id,
        Question.status == "open",
        col(Question.village_id).in_(served),
        or_(
            col(Question.asker_id).in_(list(askers)),
            col(Question.asker_name).in_(list(askers)),
            col(Question.id).in_(list(ticket_ids)),
        ),
    )
    closed = list(await session.exec(stmt))
    for question in closed:
        question.status = "answered"
        question.answered_at = when
        question.answered_by = counsel_id
        session.add(question)
    return closed


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
