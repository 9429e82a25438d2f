"""On-site visits (Q1): planned by the counsel in chat, checked in and out with 到村 and
离村, read by the reminders and the contact card."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import columns_of, detached, param
from storage.errors import Conflict, InvalidInput, NotFound
from storage.models import Visit
from storage.prepared import Prepared


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
    stmt = _scheduled(village_id is not None, counsel_id is not None, limit is not None)
    params = {
        "start": start,
        "end": end,
        "village_id": village_id,
        "counsel_id": counsel_id,
        "limit": limit,
    }
    return [detached(Visit, row) for row in await stmt.rows(session, params)]


@cache
def _scheduled(by_village: bool, by_counsel: bool, limited: bool) -> Prepared:
    """:func:`scheduled_between`'s query for the filters given, prebuilt (the chat path
    asks it for every question, issue 12)."""
    return Prepared(lambda _: _scheduled_statement(by_village, by_counsel, limited))


def _scheduled_statement(by_village: bool, by_counsel: bool, limited: bool) -> Select[Any]:
    stmt: Select[Any] = select(*columns_of(Visit)).where(
        col(Visit.status) == "scheduled",
        col(Visit.starts_at) >= param(Visit.starts_at, "start"),
        col(Visit.starts_at) < param(Visit.starts_at, "end"),
    )
    if by_village:
        stmt = stmt.where(col(Visit.village_id) == param(Visit.village_id))
    if by_counsel:
        stmt = stmt.where(col(Visit.counsel_id) == param(Visit.counsel_id))
    stmt = stmt.order_by(col(Visit.starts_at), col(Visit.id))
    return stmt.limit(bindparam("limit", type_=Integer)) if limited else stmt


# --- the counsel's own schedule, by chat (Q1, issue 10) ------------------------------------


async def schedule(
    session: AsyncSession,
    counsel_id: str,
    village_id: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    place: str,
    now: datetime,
) -> Visit:
    """Plan a visit; refused in the past, ending before it starts, or clashing with
    another visit of the same counsel."""
    if starts_at <= now:
        raise InvalidInput("只能排以后的驻村时间。")
    if ends_at <= starts_at:
        raise InvalidInput("结束时间应晚于开始时间，例如 9:00-12:00。")
    clash = select(Visit).where(
        Visit.counsel_id == counsel_id,
        col(Visit.status).in_(["scheduled", "on_site"]),
        col(Visit.starts_at) < ends_at,
        func.coalesce(col(Visit.ends_at), col(Visit.starts_at)) > starts_at,
    )
    other = (await session.exec(clash)).first()
    if other is not None:
        raise Conflict(f"与已有的驻村安排 #{other.id} 时间重叠；可先「取消排班 #{other.id}」。")
    visit = Visit(
        counsel_id=counsel_id,
        village_id=village_id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
    )
    session.add(visit)
    await session.flush()
    return visit


async def upcoming_of_counsel(session: AsyncSession, counsel_id: str, now: datetime) -> list[Visit]:
    """The counsel's visits not yet over: scheduled from today on, or checked in."""
    stmt = select(Visit).where(
        Visit.counsel_id == counsel_id,
        or_(
            Visit.status == "on_site",
            and_(
                col(Visit.status) == "scheduled",
                func.coalesce(col(Visit.ends_at), col(Visit.starts_at)) >= now,
            ),
        ),
    )
    return list(await session.exec(stmt.order_by(col(Visit.starts_at), col(Visit.id))))


async def cancel(session: AsyncSession, counsel_id: str, visit_id: int) -> Visit:
    """Cancel one of the counsel's scheduled visits (another counsel's looks missing)."""
    visit = await session.get(Visit, visit_id)
    if visit is None or visit.counsel_id != counsel_id:
        raise NotFound(f"没有找到您的驻村安排 #{visit_id}；发「我的排班」查看编号。")
    if visit.status != "scheduled":
        raise Conflict(
            f"驻村安排 #{visit_id} 已{_STATUS.get(visit.status, visit.status)}，不能取消。"
        )
    visit.status = "cancelled"
    session.add(visit)
    return visit


_STATUS = {"on_site": "签到", "done": "完成", "cancelled": "取消"}


async def on_site(session: AsyncSession, counsel_id: str) -> Visit | None:
    """The counsel's visit checked in with 到村 and not yet checked out."""
    stmt = select(Visit).where(Visit.counsel_id == counsel_id, Visit.status == "on_site")
    return (await session.exec(stmt.order_by(col(Visit.id).desc()))).first()


async def arrive(
    session: AsyncSession,
    counsel_id: str,
    village_id: str,
    at: datetime,
    *,
    day_start: datetime,
    place: str,
    max_hours: int,
) -> Visit:
    """Check in (到村): today's scheduled visit to that village if there is one, else a
    new visit. A check-in older than ``max_hours`` left open is dropped, not counted."""
    current = await on_site(session, counsel_id)
    if current is not None and current.arrived_at is not None:
        if at - current.arrived_at <= timedelta(hours=max_hours):
            raise Conflict("您已到村签到，还没有离村；离开时发「离村」。")
        current.status = "cancelled"
        current.note = f"签到超过 {max_hours} 小时未离村，未计时"
        session.add(current)
    stmt = select(Visit).where(
        Visit.counsel_id == counsel_id,
        Visit.village_id == village_id,
        Visit.status == "scheduled",
        col(Visit.starts_at) >= day_start,
        col(Visit.starts_at) < day_start + timedelta(days=1),
    )
    visit = (await session.exec(stmt.order_by(col(Visit.starts_at)))).first()
    if visit is None:
        visit = Visit(counsel_id=counsel_id, village_id=village_id, starts_at=at, place=place)
    visit.status = "on_site"
    visit.arrived_at = at
    session.add(visit)
    await session.flush()
    return visit


async def depart(session: AsyncSession, counsel_id: str, at: datetime, max_hours: int) -> Visit:
    """Check out (离村): the visit is done; its minutes are for the caller to log.
    Refused without a check-in, or after more than ``max_hours``."""
    visit = await on_site(session, counsel_id)
    if visit is None or visit.arrived_at is None:
        raise InvalidInput("您还没有「到村」签到，无法离村计时；可用「记录 村名 驻村 2小时」补记。")
    if at - visit.arrived_at > timedelta(hours=max_hours):
        raise InvalidInput(
            f"到村签到已超过 {max_hours} 小时，不能自动计时；"
            "请用「记录 村名 驻村 时长」补记，下次「到村」会重新签到。"
        )
    if at <= visit.arrived_at:
        raise InvalidInput("离村时间早于到村时间，无法计时。")
    visit.status = "done"
    visit.left_at = at
    session.add(visit)
    return visit
