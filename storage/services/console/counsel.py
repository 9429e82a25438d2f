"""A counsel's page: villages, hours by month, visits, open questions, ratings, complaints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ledger_terms import ONSITE
from storage.models import (
    Assignment,
    Counsel,
    Question,
    ServiceLogEntry,
    SurveyAnswer,
    Town,
    Village,
    Visit,
)
from storage.periods import Month
from storage.services.complaints import ComplaintView, list_complaints
from storage.services.scope import Scope, check_counsel, county_ids, villages_of_counties


@dataclass(slots=True)
class MonthHours:
    """On-site and off-site minutes a counsel logged in one month (in scope)."""

    month: Month
    onsite: int = 0
    offsite: int = 0


@dataclass(slots=True)
class CounselPage:
    """Everything the counsel's page shows."""

    counsel: Counsel
    villages: list[tuple[str, str, str]]  # (id, name, town) assigned today, in scope
    hours: list[MonthHours]
    visits: list[tuple[Visit, str]]  # (visit, village name), latest first
    open_questions: list[tuple[Question, str, bool]]  # (question, village name, overdue)
    ratings: Counter[int] = field(default_factory=Counter)
    complaints: list[ComplaintView] = field(default_factory=list)

    @property
    def rating_average(self) -> float | None:
        """The mean score (5 满意, 3 基本满意, 1 不满意), None without ratings."""
        n = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / n if n else None


async def _villages(
    session: AsyncSession, counsel_id: str, scope: Scope, today: date
) -> list[tuple[str, str, str]]:
    stmt = (
        select(Village.id, Village.name, Town.name)
        .join(Assignment, col(Assignment.village_id) == col(Village.id))
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(Assignment.counsel_id == counsel_id, Assignment.overlapping(today, today))
    )
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(Town.county_id).in_(counties))
    return sorted(set(await session.exec(stmt)))


async def _hours(
    session: AsyncSession, counsel_id: str, scope: Scope, months: list[Month]
) -> list[MonthHours]:
    stmt = select(
        col(ServiceLogEntry.day), col(ServiceLogEntry.kind), col(ServiceLogEntry.minutes)
    ).where(
        ServiceLogEntry.counsel_id == counsel_id,
        col(ServiceLogEntry.day) >= months[0].first,
        col(ServiceLogEntry.day) <= months[-1].last,
    )
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    by_month = {m: MonthHours(m) for m in months}
    for day, kind, minutes in await session.exec(stmt):
        hours = by_month[Month.of(day)]
        if kind == ONSITE:
            hours.onsite += minutes
        else:
            hours.offsite += minutes
    return list(by_month.values())


async def counsel_page(
    session: AsyncSession,
    counsel_id: str,
    scope: Scope,
    *,
    now: datetime,
    months: list[Month],
    overdue_hours: int,
) -> CounselPage:
    """The page of a counsel in ``scope`` (Forbidden when they never served in it)."""
    counsel = await check_counsel(session, scope, counsel_id)
    villages = await _villages(session, counsel_id, scope, now.date())
    names = {v: n for v, n, _ in villages}
    ids = list(names)
    visits = await session.exec(
        select(Visit, Village.name)
        .join(Village, col(Village.id) == col(Visit.village_id))
        .where(Visit.counsel_id == counsel_id, col(Visit.village_id).in_(ids))
        .order_by(col(Visit.starts_at).desc())
        .limit(20)
    )
    questions = await session.exec(
        select(Question)
        .where(Question.status == "open", col(Question.village_id).in_(ids))
        .order_by(col(Question.asked_at))
    )
    cutoff = now - timedelta(hours=overdue_hours)
    ratings = Counter(
        await session.exec(
            select(SurveyAnswer.score).where(
                SurveyAnswer.counsel_id == counsel_id, col(SurveyAnswer.village_id).in_(ids)
            )
        )
    )
    complaints = [
        c
        for c in await list_complaints(session, status=None, scope=scope)
        if c.complaint.counsel_id == counsel_id
    ]
    return CounselPage(
        counsel,
        villages,
        await _hours(session, counsel_id, scope, months),
        [(v, n) for v, n in visits],
        [(q, names.get(q.village_id, q.village_id), q.asked_at < cutoff) for q in questions],
        ratings,
        complaints,
    )


async def counsel_in_scope(session: AsyncSession, scope: Scope, today: date) -> list[Counsel]:
    """The counsel assigned today to a village in ``scope``, by name."""
    stmt = (
        select(Counsel)
        .join(Assignment, col(Assignment.counsel_id) == col(Counsel.id))
        .where(Assignment.overlapping(today, today))
    )
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(Assignment.village_id).in_(villages_of_counties(counties)))
    return sorted({c.id: c for c in await session.exec(stmt)}.values(), key=lambda c: c.id)
