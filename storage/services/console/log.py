"""The service log as a bureau reads it: filtered, paged, with the evidence behind each
entry (the question and its answer, or the scheduled visit) and its audit history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.errors import InvalidInput
from storage.models import (
    AuditEntry,
    CallbackCheck,
    Counsel,
    Question,
    ServiceLogEntry,
    Village,
    Visit,
)
from storage.services.callbacks import latest_checks
from storage.services.ledger import ENTITY
from storage.services.scope import Scope, county_ids, villages_of_counties

CHANGES = ("create", "update", "delete", "callback")  # what the audit page lists (not imports)


@dataclass(frozen=True, slots=True)
class LogFilter:
    """The log's filters; every field left empty does not narrow."""

    first: date | None = None
    last: date | None = None
    village_id: str | None = None
    counsel_id: str | None = None
    kind: str | None = None
    channel: str | None = None
    source: str | None = None
    entry_ids: tuple[int, ...] | None = None  # a call-back sample: only these entries

    def check(self) -> None:
        """Refuse a reversed date range."""
        if self.first and self.last and self.first > self.last:
            raise InvalidInput(f"起始日期 {self.first} 晚于结束日期 {self.last}")


@dataclass(slots=True)
class Evidence:
    """What an entry rests on: the question answered, or the visit made."""

    question: Question | None = None
    visit: Visit | None = None


@dataclass(slots=True)
class LogRow:
    """An entry with the names it is read by, and its evidence."""

    entry: ServiceLogEntry
    village: str
    counsel: str
    evidence: Evidence = field(default_factory=Evidence)
    check: CallbackCheck | None = None  # the latest call-back, if any


@dataclass(slots=True)
class LogPage:
    """One page of the filtered log, the total count and the minutes of the whole filter."""

    rows: list[LogRow]
    total: int
    minutes: int


async def _filtered(
    session: AsyncSession, scope: Scope, flt: LogFilter
) -> SelectOfScalar[ServiceLogEntry]:
    flt.check()
    stmt = select(ServiceLogEntry)
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    conditions: list[Any] = []
    if flt.first:
        conditions.append(col(ServiceLogEntry.day) >= flt.first)
    if flt.last:
        conditions.append(col(ServiceLogEntry.day) <= flt.last)
    for name in ("village_id", "counsel_id", "kind", "channel", "source"):
        value = getattr(flt, name)
        if value:
            conditions.append(getattr(ServiceLogEntry, name) == value)
    if scope.counsel_id:
        conditions.append(ServiceLogEntry.counsel_id == scope.counsel_id)
    if flt.entry_ids is not None:
        conditions.append(col(ServiceLogEntry.id).in_(flt.entry_ids))
    return stmt.where(*conditions) if conditions else stmt


async def log_page(
    session: AsyncSession, scope: Scope, flt: LogFilter, *, limit: int, offset: int = 0
) -> LogPage:
    """Entries of ``scope`` matching ``flt``, newest day first; ``limit`` from ``offset``."""
    stmt = await _filtered(session, scope, flt)
    sub = stmt.subquery()
    total, minutes = (
        await session.exec(select(func.count(), func.coalesce(func.sum(sub.c.minutes), 0)))
    ).one()
    page = stmt.order_by(col(ServiceLogEntry.day).desc(), col(ServiceLogEntry.id).desc())
    entries = list(await session.exec(page.limit(limit).offset(offset)))
    return LogPage(await _rows(session, entries), int(total), int(minutes))


async def _rows(session: AsyncSession, entries: list[ServiceLogEntry]) -> list[LogRow]:
    villages = {e.village_id for e in entries}
    counsel = {e.counsel_id for e in entries}
    v_stmt = select(Village.id, Village.name).where(col(Village.id).in_(villages))
    c_stmt = select(Counsel.id, Counsel.name).where(col(Counsel.id).in_(counsel))
    v_names = dict((await session.exec(v_stmt)).all())
    c_names = dict((await session.exec(c_stmt)).all())
    q_ids = {e.question_id for e in entries if e.question_id is not None}
    s_ids = {e.visit_id for e in entries if e.visit_id is not None}
    qs = {q.id: q for q in await session.exec(select(Question).where(col(Question.id).in_(q_ids)))}
    vs = {v.id: v for v in await session.exec(select(Visit).where(col(Visit.id).in_(s_ids)))}
    checks = await latest_checks(session, [e.id for e in entries if e.id is not None])
    return [
        LogRow(
            e,
            v_names.get(e.village_id, e.village_id),
            c_names.get(e.counsel_id, e.counsel_id),
            Evidence(qs.get(e.question_id), vs.get(e.visit_id)),
            checks.get(e.id or 0),
        )
        for e in entries
    ]


async def entry_row(session: AsyncSession, entry: ServiceLogEntry) -> LogRow:
    """One entry (already checked to be in scope) with its names and evidence."""
    return (await _rows(session, [entry]))[0]


async def history(session: AsyncSession, entry_id: int) -> list[AuditEntry]:
    """Every audited change of an entry, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == ENTITY, AuditEntry.entity_id == str(entry_id))
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(await session.exec(stmt))


AUDIT_LOOKBACK = 5_000  # the newest audit rows searched for a scope's changes


async def recent_changes(session: AsyncSession, scope: Scope, *, limit: int) -> list[AuditEntry]:
    """The latest audited changes of entries (and deletions) that lie in ``scope``, among
    the newest :data:`AUDIT_LOOKBACK` of the whole ledger (bounded work per page, however
    large the province and however quiet the county).

    An entry's village is read from its audit images, so a deleted entry still shows.
    """
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == ENTITY, col(AuditEntry.action).in_(CHANGES))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    )
    counties = await county_ids(session, scope)
    allowed: set[str] | None = None
    if counties is not None:
        allowed = set(await session.exec(villages_of_counties(counties)))
    found: list[AuditEntry] = []
    async for batch in _batches(session, stmt, 500, most=AUDIT_LOOKBACK):
        for audit in batch:
            image = audit.after or audit.before or {}
            if allowed is None or image.get("village_id") in allowed:
                found.append(audit)
                if len(found) >= limit:
                    return found
    return found


async def _batches(
    session: AsyncSession, stmt: SelectOfScalar[AuditEntry], size: int, *, most: int
) -> AsyncIterator[list[AuditEntry]]:
    offset = 0
    while offset < most:
        batch = list(await session.exec(stmt.limit(min(size, most - offset)).offset(offset)))
        if not batch:
            return
        yield batch
        offset += size


async def villages_in(session: AsyncSession, scope: Scope) -> list[tuple[str, str]]:
    """(id, name) of every village in ``scope``, by id: the log's village filter."""
    stmt = select(Village.id, Village.name).order_by(col(Village.id))
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(Village.id).in_(villages_of_counties(counties)))
    return list(await session.exec(stmt))
