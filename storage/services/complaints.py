"""Complaints about the service (Q10): recorded with personal numbers masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint
from storage.privacy import mask_personal_numbers


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
