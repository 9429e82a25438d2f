"""Narrowing queries to one county's villages."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import NotFound
from storage.models import County, Town, Village


async def county_id(session: AsyncSession, name: str) -> int:
    """The id of the county called ``name``; NotFound with the known names otherwise."""
    found = (await session.exec(select(County).where(County.name == name))).first()
    if found is None or found.id is None:
        names = "、".join(await session.exec(select(County.name).order_by(col(County.name))))
        raise NotFound(f"没有名为 {name} 的县（区）；已有：{names or '无'}")
    return found.id


def villages_of_county(county: int) -> Any:
    """A subquery of the village ids in a county, for ``col(...).in_(...)``."""
    return (
        select(Village.id)
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(Town.county_id == county)
    )
