"""What a report or an export covers: all, one county's villages, or one counsel's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.errors import NotFound
from storage.models import County, Town, Village


@dataclass(frozen=True, slots=True)
class Scope:
    """Which assignments a report covers: all, one county's, or one counsel's."""

    county: str | None = None
    counsel_id: str | None = None


EVERYWHERE = Scope()
"""The scope of a report over every county and counsel."""


async def county_id(session: AsyncSession, name: str) -> int:
    """The id of the county called ``name``; NotFound with the known names otherwise."""
    found = (await session.exec(select(County).where(County.name == name))).first()
    if found is None or found.id is None:
        names = "、".join(await session.exec(select(County.name).order_by(col(County.name))))
        raise NotFound(f"没有名为 {name} 的县（区）；已有：{names or '无'}")
    return found.id


def villages_of_county(county: int) -> SelectOfScalar[str]:
    """A subquery of the village ids in a county, for ``col(...).in_(...)``."""
    return (
        select(Village.id)
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(Town.county_id == county)
    )
