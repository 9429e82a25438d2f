"""The roster as the API lists it: villages with their town, county and counsel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Assignment, County, Town, Village
from storage.services.scope import Scope, county_ids


@dataclass(slots=True)
class VillageInfo:
    """A village with where it lies and who serves it on the day asked."""

    id: str
    name: str
    town: str
    county: str
    flexible: bool
    counsel_ids: list[str] = field(default_factory=list)


async def villages(session: AsyncSession, scope: Scope, day: date) -> list[VillageInfo]:
    """Every village in ``scope`` by county, town and id, with its counsel on ``day``."""
    stmt = (
        select(Village, Town.name, County.name)
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
    )
    counties = await county_ids(session, scope)
    if counties is not None:
        stmt = stmt.where(col(County.id).in_(counties))
    found = {
        v.id: VillageInfo(v.id, v.name, town, county, v.flexible)
        for v, town, county in await session.exec(stmt)
    }
    served = select(Assignment.village_id, Assignment.counsel_id).where(
        Assignment.overlapping(day, day), col(Assignment.village_id).in_(list(found))
    )
    for village_id, counsel_id in await session.exec(served):
        found[village_id].counsel_ids.append(counsel_id)
    return sorted(found.values(), key=lambda v: (v.county, v.town, v.id))
