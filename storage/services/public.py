"""What the public lookup shows (Q8): counties, towns, villages found by name, and one
village's card with its counsel and next visits. Open to everyone, so only what the roster
publishes about the counsel, never anything about villagers (no questions, no chat ids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, Integer, ScalarSelect, bindparam, func
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import roster_cache
from storage.models import Assignment, AuditEntry, Counsel, County, Town, Village, Visit
from storage.prepared import Prepared

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
    card = VillageCard(village.id, village.name, town.id, town.name, county.id, county.name)
    return await fill_card(session, card, now, day, visits)


def _assigned_on_day() -> ScalarSelect[int]:
    """The ids of the counsel assigned to ``village_id`` on ``day`` (parameters)."""
    day = bindparam("day", type_=Date)
    return (
        columns(col(Assignment.counsel_id))
        .where(col(Assignment.village_id) == bindparam("village_id"))
        .where(Assignment.overlapping(day, day))
        .scalar_subquery()
    )


# The card's two queries, prepared once per backend (parameters ``village_id``, ``day``,
# ``now``, ``visits``): the public page's hottest path. Building the expressions per
# request was a tenth of its CPU, running them through the ORM session most of the rest.
_CARD_COUNSEL = Prepared(
    lambda _: (
        columns(
            col(Counsel.name),
            col(Counsel.firm),
            col(Counsel.phone),
            col(Counsel.email),
            col(Counsel.trainee),
            col(Counsel.wechat),
        )
        .where(col(Counsel.id).in_(_assigned_on_day()))
        .order_by(col(Counsel.trainee), col(Counsel.id))
    )
)
_CARD_VISITS = Prepared(
    lambda _: (
        columns(col(Visit.starts_at), col(Visit.ends_at), col(Visit.place), col(Counsel.name))
        .join(Counsel, col(Counsel.id) == col(Visit.counsel_id))
        .where(
            col(Visit.village_id) == bindparam("village_id"),
            col(Visit.status) == "scheduled",
            col(Visit.counsel_id).in_(_assigned_on_day()),
            col(Visit.starts_at) >= bindparam("now"),
        )
        .order_by(col(Visit.starts_at), col(Visit.id))
        .limit(bindparam("visits", type_=Integer))
    )
)


async def fill_card(
    session: AsyncSession, card: VillageCard, now: datetime, day: date, visits: int = CARD_VISITS
) -> VillageCard:
    """The card's counsel and next visits, read live (they change without the roster):
    two prepared queries of plain columns."""
    params = {"village_id": card.village_id, "day": day, "now": now, "visits": visits}
    rows = await _CARD_COUNSEL.rows(session, params)
    card.counsel = [PublicCounsel(n, f, p, e, bool(t), w or "") for n, f, p, e, t, w in rows]
    if rows:
        card.visits = [PublicVisit(*row) for row in await _CARD_VISITS.rows(session, params)]
    return card


@dataclass(frozen=True, slots=True)
class _Entry:
    """A village in the directory snapshot, with what search and filters need."""

    hit: VillageHit
    county_id: int
    town_id: int
    name: str  # lower-cased, for the substring search
    id: str  # lower-cased


@dataclass(frozen=True, slots=True)
class Directory:
    """Every county, town and village of the roster, read once and searched in memory
    (issue 12: the public page must not scan 26,000 villages per request). It changes only
    with the roster; :func:`directory_version` tells when."""

    version: str
    counties: list[Choice]
    towns: dict[int, list[Choice]]
    villages: list[_Entry]  # by county name, town name and village id
    by_county: dict[int, list[_Entry]] = field(default_factory=dict)  # the same order
    by_town: dict[int, list[_Entry]] = field(default_factory=dict)
    by_id: dict[str, _Entry] = field(default_factory=dict)

    def card(self, village_id: str) -> VillageCard | None:
        """A card with the village's place filled in (None: not in the directory)."""
        entry = self.by_id.get(village_id)
        if entry is None:
            return None
        hit = entry.hit
        return VillageCard(
            hit.village_id, hit.village, entry.town_id, hit.town, entry.county_id, hit.county
        )

    def find(
        self,
        *,
        county_id: int | None = None,
        town_id: int | None = None,
        text: str = "",
        page: int = 1,
        per_page: int = PAGE_SIZE,
    ) -> VillagePage:
        """What :func:`find_villages` finds, from the snapshot: a town's or a county's
        villages are looked up, only a typed name is searched for."""
        if town_id is not None:
            pool = [v for v in self.by_town.get(town_id, []) if county_id in (None, v.county_id)]
        elif county_id is not None:
            pool = self.by_county.get(county_id, [])
        else:
            pool = self.villages
        needle = text.lower()
        if needle:
            pool = [v for v in pool if needle in v.name or needle in v.id]
        pages = max(1, -(-len(pool) // per_page))
        page = min(max(page, 1), pages)
        start = (page - 1) * per_page
        return VillagePage(
            [v.hit for v in pool[start : start + per_page]], len(pool), page, per_page
        )


async def directory_version(session: AsyncSession) -> str:
    """Changes whenever the directory may have: the roster's token, which the triggers of
    every roster table change (a rename too; one prebuilt query, issue 12). A database
    without the token row (made by hand, not by the migrations) falls back to the audit
    and the counts, which miss a rename."""
    current = await roster_cache.token(session)
    if current is not None:
        return current
    roster = select(func.max(AuditEntry.id)).where(AuditEntry.entity == "roster")
    found = [
        (await session.exec(roster)).one(),
        (await session.exec(select(func.count()).select_from(Village))).one(),
        (await session.exec(select(func.max(Town.id)))).one(),
        (await session.exec(select(func.max(County.id)))).one(),
    ]
    return "counts:" + ",".join(str(int(x or 0)) for x in found)


async def load_directory(session: AsyncSession) -> Directory:
    """Read the whole directory (one query per table), sorted as the lookup lists it."""
    version = await directory_version(session)
    county_rows = list(await session.exec(select(County.id, County.name)))
    town_rows = list(await session.exec(select(Town.id, Town.county_id, Town.name)))
    counties_by_id = {i: n for i, n in county_rows if i is not None}
    towns_by_id = {i: (c, n) for i, c, n in town_rows if i is not None}
    entries = []
    for vid, name, town_id in await session.exec(select(Village.id, Village.name, Village.town_id)):
        county_id, town = towns_by_id[town_id]
        hit = VillageHit(vid, name, town, counties_by_id[county_id])
        entries.append(_Entry(hit, county_id, town_id, name.lower(), vid.lower()))
    entries.sort(key=lambda e: (e.hit.county, e.hit.town, e.hit.village_id))
    towns: dict[int, list[Choice]] = {}
    for tid, (county_id, name) in sorted(towns_by_id.items(), key=lambda t: (t[1][1], t[0])):
        towns.setdefault(county_id, []).append(Choice(tid, name))
    choices = [Choice(i, n) for i, n in sorted(counties_by_id.items(), key=lambda c: (c[1], c[0]))]
    by_county: dict[int, list[_Entry]] = {}
    by_town: dict[int, list[_Entry]] = {}
    for entry in entries:
        by_county.setdefault(entry.county_id, []).append(entry)
        by_town.setdefault(entry.town_id, []).append(entry)
    by_id = {e.hit.village_id: e for e in entries}
    return Directory(version, choices, towns, entries, by_county, by_town, by_id)
