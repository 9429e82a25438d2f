"""Counsel's leave: while on leave, a counsel gets no reminders (issue 4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput
from storage.models import AuditEntry, Leave

MAX_LEAVE_DAYS = 366


async def add_leave(
    session: AsyncSession, counsel_id: str, start: date, end: date, *, now: datetime
) -> Leave:
    """Record a leave from ``start`` to ``end`` inclusive, in the caller's transaction."""
    if end < start:
        raise InvalidInput(f"请假结束日 {end.isoformat()} 早于开始日 {start.isoformat()}")
    if (end - start).days >= MAX_LEAVE_DAYS:
        raise InvalidInput(f"请假不能超过 {MAX_LEAVE_DAYS} 天")
    leave = Leave(counsel_id=counsel_id, start=start, end=end, created_at=now)
    session.add(leave)
    await session.flush()
    session.add(
        AuditEntry(
            at=now,
            actor=f"counsel:{counsel_id}",
            action="create",
            entity="leave",
            entity_id=str(leave.id),
            after={"start": start.isoformat(), "end": end.isoformat()},
        )
    )
    return leave


async def on_leave(session: AsyncSession, counsel_ids: Iterable[str], day: date) -> set[str]:
    """Which of ``counsel_ids`` are on leave on ``day``."""
    ids = set(counsel_ids)
    if not ids:
        return set()
    stmt = select(Leave.counsel_id).where(
        col(Leave.counsel_id).in_(ids), col(Leave.start) <= day, col(Leave.end) >= day
    )
    return set(await session.exec(stmt))
