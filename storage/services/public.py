"""What the public lookup shows (Q8): counties, towns, villages found by name, and one
village's card with its counsel and next visits. Open to everyone, so only what the roster
publishes about the counsel, never anything about villagers (no questions, no chat ids)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Counsel, County, Town, Village, Visit
from storage.services import directory

PAGE_SIZE = 20
MAX_QUERY = 64  # characters of a typed village name
CARD_VISITS = 5


@dataclass(frozen=True, slots=True)
class Choice:
    """A county or town for the lookup form's select."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class VillageHit:
    """A village found by the lookup, with its town and county names."""

    village_id: str
    village: str
    town: str
    county: str


@dataclass(frozen=True, slots=True)
class VillagePage:
    """One page of the villages found, with the total over all pages."""

    hits: list[VillageHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least one)."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True, slots=True)
class PublicCounsel:
    """The published details of one counsel (Q8, Q9: the WeChat id is published too)."""

    name: str
    firm: str
    phone: str
    email: str
    trainee: bool
    wechat: str = ""


@dataclass(frozen=True, slots=True)
class PublicVisit:
    """A scheduled on-site visit as the public sees it (Q1, Q8 service time)."""

    starts_at: datetime
    ends_at: datetime | None
    place: str
    counsel: str


@dataclass(slots=True)
class VillageCard:
    """One village's public card: where it is, its counsel and their next visits."""

    village_id: str
    village: str
    town_id: int
    town: str
    county_id: int
    county: str
    counsel: list[PublicCounsel] = field(default_factory=list)
    visits: list[PublicVisit] = field(default_factory=list)


async def counties(session: AsyncSession) -> list[Choice]:
    """Every county, by name."""
    stmt = select(County.id, County.name).order_by(col(County.name), col(County.id))
    return [Choice(i, n) for i, n in await session.exec(stmt) if i is not None]


async def towns(session: AsyncSession, county_id: int) -> list[Choice]:
    """The towns of one county, by name."""
    stmt = (
        select(Town.id, Town.name)
        .where(Town.county_id == county_id)
        .order_by(col(Town.name), col(Town.id))
    )
    return [Choice(i, n) for i, n in await session.exec(stmt) if i is not None]


async def find_villages(
    session: AsyncSession,
    *,
    county_id: int | None = None,
    town_id: int | None = None,
    text: str = "",
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> VillagePage:
    """Villages in the county and town (when given) whose name or id contains ``text``
    (case-insensitive, ``%`` and ``_`` taken literally), by county, town and village id;
    one page of them, counted and paged in SQL. A page past the last is the last."""
    conditions = []
    if county_id is not None:
        conditions.append(col(Town.county_id) == county_id)
    if town_id is not None:
        conditions.append(col(Village.town_id) == town_id)
    if text:
        conditions.append(
            col(Village.name).icontains(text, autoescape=True)
            | col(Village.id).icontains(text, autoescape=True)
        )
    counted = (
        select(func.count())
        .select_from(Village)
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(*conditions)
    )
    total = (await session.exec(counted)).one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    stmt = (
        select(Village.id, Village.name, Town.name, County.name)
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .where(*conditions)
        .order_by(col(County.name), col(Town.name), col(Village.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    hits = [VillageHit(*row) for row in await session.exec(stmt)]
    return VillagePage(hits, total, page, per_page)


async def village_card(
    session: AsyncSession, village_id: str, now: datetime, day: date, visits: int = CARD_VISITS
) -> VillageCard | None:
    """The card of one village (None: no such village): the counsel assigned on ``day``,
    practising lawyers first, and up to ``visits`` of their scheduled visits to it that
    start from ``now`` on, earliest first."""
    stmt = (
        select(Village, Town, County)
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .where(Village.id == village_id)
    )
    found = (await session.exec(stmt)).first()
    if found is None:
        return None
    village, town, county = found
    assert town.id is not None
    assert county.id is not None
    counsel = await directory.counsel_of_village(session, village.id, day)
    card = VillageCard(village.id, village.name, town.id, town.name, county.id, county.name)
    card.counsel = [
        PublicCounsel(c.name, c.firm, c.phone, c.email, c.trainee, c.wechat or "") for c in counsel
    ]
    card.visits = await _next_visits(session, village.id, [c.id for c in counsel], now, visits)
    return card


async def _next_visits(
    session: AsyncSession, village_id: str, counsel_ids: Sequence[str], now: datetime, limit: int
) -> list[PublicVisit]:
    """Scheduled visits to the village by these counsel, from ``now`` on, earliest first
    (a visit left over from a counsel no longer assigned is not published)."""
    if not counsel_ids:
        return []
    stmt = (
        select(Visit, Counsel.name)
        .join(Counsel, col(Counsel.id) == col(Visit.counsel_id))
        .where(
            Visit.village_id == village_id,
            Visit.status == "scheduled",
            col(Visit.counsel_id).in_(counsel_ids),
            col(Visit.starts_at) >= now,
        )
        .order_by(col(Visit.starts_at), col(Visit.id))
        .limit(limit)
    )
    return [
        PublicVisit(v.starts_at, v.ends_at, v.place, name) for v, name in await session.exec(stmt)
    ]
