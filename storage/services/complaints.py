"""Complaints about the service (Q10): recorded with personal numbers masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import Conflict, InvalidInput, NotFound
from storage.models import Assignment, AuditEntry, Complaint, Counsel, County, Town, Village
from storage.privacy import mask_personal_numbers
from storage.services.scope import (
    EVERYWHERE,
    Scope,
    county_ids,
    served_in_scope_on,
    villages_of_counties,
)


@dataclass(frozen=True, slots=True)
class NewComplaint:
    """What is known of a complaint when it is made."""

    village_id: str | None
    counsel_id: str | None
    complainant_id: str
    text: str
    created_at: datetime


async def record_complaint(session: AsyncSession, new: NewComplaint) -> Complaint:
    """Store a complaint as open, in the caller's transaction; numbers in the text masked."""
    complaint = Complaint(
        village_id=new.village_id,
        counsel_id=new.counsel_id,
        complainant_id=new.complainant_id,
        text=mask_personal_numbers(new.text),
        created_at=new.created_at,
    )
    session.add(complaint)
    await session.flush()
    return complaint


@dataclass(frozen=True, slots=True)
class ComplaintView:
    """A complaint with the names a bureau reads it by."""

    complaint: Complaint
    village: str
    county: str
    counsel: str


async def list_complaints(
    session: AsyncSession,
    *,
    status: str | None = "open",
    county: str | None = None,
    scope: Scope = EVERYWHERE,
) -> list[ComplaintView]:
    """Complaints, newest first: open ones by default, of one county or of a scope (a
    complaint without a village counts where its counsel serves)."""
    stmt = (
        select(Complaint, Village, County, Counsel)
        .join(Village, col(Village.id) == col(Complaint.village_id), isouter=True)
        .join(Town, col(Town.id) == col(Village.town_id), isouter=True)
        .join(County, col(County.id) == col(Town.county_id), isouter=True)
        .join(Counsel, col(Counsel.id) == col(Complaint.counsel_id), isouter=True)
        .order_by(col(Complaint.id).desc())
    )
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    if county is not None:
        stmt = stmt.where(County.name == county)
    counties = await county_ids(session, scope)
    if counties is not None:
        served = select(Assignment.counsel_id).where(
            col(Assignment.village_id).in_(villages_of_counties(counties))
        )
        stmt = stmt.where(
            or_(
                col(Town.county_id).in_(counties),
                and_(col(Complaint.village_id).is_(None), col(Complaint.counsel_id).in_(served)),
            )
        )
    views = []
    for c, v, k, lawyer in await session.exec(stmt):
        if counties is not None and v is None and c.counsel_id is not None:
            # without a village: the county the counsel served on the day it came in
            day = c.created_at.date()
            if not await served_in_scope_on(session, scope, c.counsel_id, day):
                continue
        views.append(
            ComplaintView(
                c, v.name if v else "", k.name if k else "", lawyer.name if lawyer else ""
            )
        )
    return views


async def get_complaint(session: AsyncSession, number: int) -> ComplaintView:
    """One complaint by its number; NotFound otherwise."""
    for view in await list_complaints(session, status=None):
        if view.complaint.id == number:
            return view
    raise NotFound(f"没有编号为 C{number} 的投诉")


async def close_complaint(
    session: AsyncSession, number: int, *, resolution: str, actor: str, now: datetime
) -> Complaint:
    """Record how a complaint was handled; the change is audited."""
    if not resolution.strip():
        raise InvalidInput("请写明处理结果（--resolution）")
    complaint = await session.get(Complaint, number)
    if complaint is None:
        raise NotFound(f"没有编号为 C{number} 的投诉")
    if complaint.status != "open":
        raise Conflict(f"投诉 C{number} 已于 {complaint.handled_at:%Y-%m-%d} 处理完毕")
    before = {"status": complaint.status}
    complaint.status, complaint.handled_at = "handled", now
    complaint.handled_by, complaint.resolution = actor, mask_personal_numbers(resolution.strip())
    session.add(complaint)
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="close",
            entity="complaint",
            entity_id=str(number),
            before=before,
            after={"status": "handled", "resolution": complaint.resolution},
        )
    )
    return complaint
