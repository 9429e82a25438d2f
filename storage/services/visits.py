"""Scheduled on-site visits (Q1): what is planned, for reminders and the contact card."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Visit


async def scheduled_between(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    village_id: str | None = None,
    counsel_id: str | None = None,
    limit: int | None = None,
) -> list[Visit]:
    """Scheduled visits starting in [``start``, ``end``), earliest first."""
    stmt = select(Visit).where(
        Visit.status == "scheduled", col(Visit.starts_at) >= start, col(Visit.starts_at) < end
    )
    if village_id is not None:
        stmt = stmt.where(Visit.village_id == village_id)
    if counsel_id is not None:
        stmt = stmt.where(Visit.counsel_id == counsel_id)
    stmt = stmt.order_by(col(Visit.starts_at), col(Visit.id)).limit(limit)
    return list(await session.exec(stmt))
