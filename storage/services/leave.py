"""Counsel's leave: while on leave, a counsel gets no reminders (issue 4, issue 10).

A leave is a span of days. A new one that overlaps or touches an existing one is merged
with it, so a counsel has one span per absence; every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotFound
from storage.models import AuditEntry, Leave


async def add_leave(
    session: AsyncSession,
    counsel_id: str,
    start: date,
    end: date,
    *,
    now: datetime,
    max_days: int,
) -> Leave:
    """Record a leave from ``start`` to ``end`` inclusive (at most ``max_days`` long),
    merged with the counsel's leaves it overlaps or touches, in the caller's transaction."""
    if end < start:
        raise InvalidInput(f"请假结束日 {end.isoformat()} 早于开始日 {start.isoformat()}")
    if (end - start).days + 1 > max_days:
        raise InvalidInput(f"请假不能超过 {max_days} 天（这次是 {(end - start).days + 1} 天）")
    touching = await _touching(session, counsel_id, start, end)
    first = min([start, *(t.start for t in touching)])
    last = max([end, *(t.end for t in touching)])
    for old in touching:
        await session.delete(old)
        session.add(_audit(now, counsel_id, "merge", old, None))
    leave = Leave(counsel_id=counsel_id, start=first, end=last, created_at=now)
    session.add(leave)
    await session.flush()
    session.add(_audit(now, counsel_id, "create", None, leave))
    return leave


async def cancel_leave(
    session: AsyncSession, counsel_id: str, today: date, *, now: datetime
) -> Leave:
    """Cancel the leave that covers ``today``, else the next one; NotFound when none."""
    stmt = (
        select(Leave)
        .where(Leave.counsel_id == counsel_id, col(Leave.end) >= today)
        .order_by(col(Leave.start))
    )
    leave = (await session.exec(stmt)).first()
    if leave is None:
        raise NotFound("您没有今天或以后的请假记录。")
    await session.delete(leave)
    session.add(_audit(now, counsel_id, "delete", leave, None))
    return leave


async def _touching(session: AsyncSession, counsel_id: str, start: date, end: date) -> list[Leave]:
    stmt = select(Leave).where(
        Leave.counsel_id == counsel_id,
        col(Leave.start) <= end + timedelta(days=1),
        col(Leave.end) >= start - timedelta(days=1),
    )
    return list(await session.exec(stmt))


def _audit(
    now: datetime, counsel_id: str, action: str, before: Leave | None, after: Leave | None
) -> AuditEntry:
    def image(leave: Leave | None) -> dict[str, str] | None:
        return (
            None
            if leave is None
            else {"start": leave.start.isoformat(), "end": leave.end.isoformat()}
        )

    subject = after or before
    return AuditEntry(
        at=now,
        actor=f"counsel:{counsel_id}",
        action=action,
        entity="leave",
        entity_id=str(subject.id if subject else ""),
        before=image(before),
        after=image(after),
    )


async def on_leave(session: AsyncSession, counsel_ids: Iterable[str], day: date) -> set[str]:
    """Which of ``counsel_ids`` are on leave on ``day``."""
    ids = set(counsel_ids)
    if not ids:
        return set()
    stmt = select(Leave.counsel_id).where(
        col(Leave.counsel_id).in_(ids), col(Leave.start) <= day, col(Leave.end) >= day
    )
    return set(await session.exec(stmt))
