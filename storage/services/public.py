"""What the public notice shows (Q8): each village with its counsel, open to everyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Assignment, Counsel, County, Town, Village


@dataclass(frozen=True, slots=True)
class PublicCounsel:
    """The published details of one counsel (no private data)."""

    name: str
    firm: str
    phone: str
    email: str
    wechat: str
    trainee: bool


@dataclass(slots=True)
class NoticeRow:
    """One village on the notice board."""

    county: str
    town: str
    village_id: str
    village: str
    counsel: list[PublicCounsel] = field(default_factory=list)


async def notice_board(session: AsyncSession, day: date) -> list[NoticeRow]:
    """Every village with the counsel assigned on ``day``, by county, town and village."""
    stmt = (
        select(County.name, Town.name, Village, Counsel)
        .join(Town, col(Town.id) == col(Village.town_id))
        .join(County, col(County.id) == col(Town.county_id))
        .join(Assignment, col(Assignment.village_id) == col(Village.id), isouter=True)
        .join(Counsel, col(Counsel.id) == col(Assignment.counsel_id), isouter=True)
        .where(or_(col(Assignment.id).is_(None), Assignment.overlapping(day, day)))
        .order_by(County.name, Town.name, col(Village.id), col(Counsel.trainee))
    )
    rows: dict[str, NoticeRow] = {}
    for county, town, village, counsel in await session.exec(stmt):
        row = rows.setdefault(village.id, NoticeRow(county, town, village.id, village.name))
        if counsel is not None:
            row.counsel.append(
                PublicCounsel(
                    counsel.name,
                    counsel.firm,
                    counsel.phone,
                    counsel.email,
                    counsel.wechat or "",
                    counsel.trainee,
                )
            )
    return list(rows.values())
