"""What a report, a page or an export covers: all, a province's, a city's or one county's
villages, optionally one counsel's; and the checks that keep a bureau user inside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.errors import Forbidden, InvalidInput, NotFound
from storage.models import (
    Assignment,
    BureauUser,
    Complaint,
    Counsel,
    County,
    ServiceLogEntry,
    Town,
    Village,
)

LEVELS = ("county", "city", "province", "admin")
OUTSIDE = "不在您的管辖范围内"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which villages (by county, city or province) and which counsel a read covers.

    Fields left ``None`` do not narrow; a scope with a county, a city and a province
    covers the counties that satisfy all three.
    """

    county: str | None = None
    counsel_id: str | None = None
    city: str | None = None
    province: str | None = None

    @classmethod
    def of_user(cls, user: BureauUser) -> Scope:
        """What a bureau user may see: their county, city or province; everything (admin)."""
        if user.level == "admin":
            return EVERYWHERE
        if user.level not in LEVELS:
            raise InvalidInput(f"未知的级别 {user.level!r}")
        return cls(**{user.level: user.scope})

    @property
    def by_area(self) -> bool:
        """True when the scope narrows by county, city or province."""
        return any((self.county, self.city, self.province))

    def describe(self) -> str:
        """The area in words, for page titles."""
        return self.county or self.city or self.province or "全部"


EVERYWHERE = Scope()
"""The scope of a report over every county and counsel."""


async def county_id(session: AsyncSession, name: str) -> int:
    """The id of the county called ``name``; NotFound with the known names otherwise."""
    found = (await session.exec(select(County).where(County.name == name))).first()
    if found is None or found.id is None:
        names = "、".join(await session.exec(select(County.name).order_by(col(County.name))))
        raise NotFound(f"没有名为 {name} 的县（区）；已有：{names or '无'}")
    return found.id


async def county_ids(session: AsyncSession, scope: Scope) -> list[int] | None:
    """The ids of the counties in ``scope``; None when it does not narrow by area.

    A county named in the scope must exist (NotFound otherwise); a city or province
    with no county yet gives an empty list (nothing to see, not an error).
    """
    if not scope.by_area:
        return None
    stmt = select(County.id)
    if scope.county is not None:
        stmt = stmt.where(col(County.id) == await county_id(session, scope.county))
    if scope.city is not None:
        stmt = stmt.where(County.city == scope.city)
    if scope.province is not None:
        stmt = stmt.where(County.province == scope.province)
    return [i for i in await session.exec(stmt) if i is not None]


async def counties_in(session: AsyncSession, scope: Scope) -> list[str]:
    """The names of the counties in ``scope``, sorted."""
    ids = await county_ids(session, scope)
    stmt = select(County.name).order_by(col(County.name))
    if ids is not None:
        stmt = stmt.where(col(County.id).in_(ids))
    return sorted(await session.exec(stmt))


async def narrowed(session: AsyncSession, scope: Scope, county: str | None) -> Scope:
    """``scope`` narrowed to ``county`` (a filter a user chose); Forbidden outside it."""
    if not county:
        return scope
    if county not in await counties_in(session, EVERYWHERE):
        raise NotFound(f"没有名为 {county} 的县（区）")
    if county not in await counties_in(session, scope):
        raise Forbidden(f"{county}{OUTSIDE}")
    return replace(scope, county=county)


def villages_of_counties(counties: Sequence[int]) -> SelectOfScalar[str]:
    """A subquery of the village ids in some counties, for ``col(...).in_(...)``."""
    return (
        select(Village.id)
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(col(Town.county_id).in_(list(counties)))
    )


def villages_of_county(county: int) -> SelectOfScalar[str]:
    """A subquery of the village ids in a county, for ``col(...).in_(...)``."""
    return villages_of_counties([county])


async def check_village(session: AsyncSession, scope: Scope, village_id: str) -> Village:
    """The village, if ``scope`` covers it: NotFound when absent, Forbidden when outside."""
    village = await session.get(Village, village_id)
    if village is None:
        raise NotFound(f"没有编号为 {village_id} 的村")
    ids = await county_ids(session, scope)
    if ids is not None:
        town = await session.get(Town, village.town_id)
        if town is None or town.county_id not in ids:
            raise Forbidden(f"村 {village.name}{OUTSIDE}")
    return village


async def check_counsel(session: AsyncSession, scope: Scope, counsel_id: str) -> Counsel:
    """The counsel, if ever assigned to a village in ``scope`` (Forbidden otherwise)."""
    counsel = await session.get(Counsel, counsel_id)
    if counsel is None:
        raise NotFound(f"没有编号为 {counsel_id} 的律师")
    if scope.by_area and not await _served(session, scope, counsel_id, None):
        raise Forbidden(f"律师 {counsel.name}{OUTSIDE}")
    return counsel


async def check_entry(session: AsyncSession, scope: Scope, entry_id: int) -> ServiceLogEntry:
    """The service-log entry, if its village is in ``scope``."""
    entry = await session.get(ServiceLogEntry, entry_id)
    if entry is None:
        raise NotFound(f"没有编号为 {entry_id} 的服务日志")
    await check_village(session, scope, entry.village_id)
    return entry


async def served_in_scope_on(
    session: AsyncSession, scope: Scope, counsel_id: str, day: date
) -> bool:
    """True when the counsel was assigned on ``day`` to a village of ``scope`` (whose a
    complaint without a village is: the county the counsel served when it came in)."""
    return await _served(session, scope, counsel_id, day)


async def _served(session: AsyncSession, scope: Scope, counsel_id: str, day: date | None) -> bool:
    """True when the counsel was assigned to a village of ``scope``: on ``day``, or ever."""
    stmt = select(Assignment.id).where(Assignment.counsel_id == counsel_id)
    if day is not None:
        stmt = stmt.where(Assignment.overlapping(day, day))
    ids = await county_ids(session, scope)
    if ids is not None:
        stmt = stmt.where(col(Assignment.village_id).in_(villages_of_counties(ids)))
    return (await session.exec(stmt.limit(1))).first() is not None


async def check_complaint(session: AsyncSession, scope: Scope, complaint_id: int) -> Complaint:
    """The complaint, if its village is in ``scope``; without a village, if its counsel
    served ``scope`` on the day it came in (not merely once, years ago)."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"没有编号为 {complaint_id} 的投诉")
    if complaint.village_id is not None:
        await check_village(session, scope, complaint.village_id)
    elif complaint.counsel_id is not None:
        day = complaint.created_at.date()
        if scope.by_area and not await served_in_scope_on(
            session, scope, complaint.counsel_id, day
        ):
            raise Forbidden(f"投诉 C{complaint_id}{OUTSIDE}")
    elif scope.by_area:
        raise Forbidden(f"投诉 #{complaint_id} 未关联村或律师，只有省级或管理员可以查看")
    return complaint
