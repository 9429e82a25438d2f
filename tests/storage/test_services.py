"""The small services the handlers and jobs read through: assignments, visits, complaints."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from config import Settings
from storage.db import Database
from storage.models import Assignment, Complaint, County, Visit
from storage.services import complaints, directory, visits
from storage.services.complaints import NewComplaint
from tests.ledger_data import NOW, load_roster


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """The shared roster: L2 served V3 until the end of October."""
    await load_roster(db, settings)
    return db


@pytest.mark.parametrize(
    ("first", "last", "covered"),
    [
        (date(2026, 10, 31), date(2026, 10, 31), True),  # its last day
        (date(2026, 11, 1), date(2026, 11, 30), False),  # the day after
        (date(2026, 10, 15), date(2026, 11, 15), True),  # a period across its end
    ],
)
async def test_assignment_overlapping_is_inclusive(
    roster: Database, first: date, last: date, covered: bool
) -> None:
    stmt = select(Assignment).where(
        Assignment.counsel_id == "L2", Assignment.overlapping(first, last)
    )
    async with roster.read() as s:
        assert ((await s.exec(stmt)).first() is not None) is covered


async def test_villages_of_counsel_include_an_assignment_ended_in_the_period(
    roster: Database,
) -> None:
    async with roster.read() as s:
        october = await directory.villages_of_counsel(
            s, "L2", date(2026, 10, 1), date(2026, 11, 30)
        )
        later = await directory.villages_of_counsel(s, "L2", date(2026, 11, 1), date(2026, 11, 30))
    assert [v.id for v in october] == ["V3"]
    assert later == []


async def test_scheduled_between_is_start_inclusive_end_exclusive(roster: Database) -> None:
    async with roster.transaction() as s:
        s.add(Visit(counsel_id="L1", village_id="V1", starts_at=NOW))
        s.add(Visit(counsel_id="L1", village_id="V1", starts_at=NOW + timedelta(hours=1)))
        s.add(Visit(counsel_id="L1", village_id="V2", starts_at=NOW, status="cancelled"))
    async with roster.read() as s:
        found = await visits.scheduled_between(s, NOW, NOW + timedelta(hours=1))
        one = await visits.scheduled_between(s, NOW, NOW + timedelta(days=1), limit=1)
    assert [v.starts_at for v in found] == [NOW]
    assert [v.starts_at for v in one] == [NOW]


async def test_complaint_is_stored_open_with_numbers_masked(roster: Database) -> None:
    async with roster.transaction() as s:
        made = await complaints.record_complaint(
            s,
            NewComplaint(
                village_id="V1",
                counsel_id="L1",
                complainant_id="wx_villager",
                text="律师不回电话，我的手机 13812345678",
                created_at=NOW,
            ),
        )
    async with roster.read() as s:
        [stored] = list(await s.exec(select(Complaint)))
    assert stored.id == made.id
    assert (stored.status, stored.text) == ("open", "律师不回电话，我的手机 138****5678")
    assert stored.created_at == NOW


async def test_bureau_contacts_list_only_counties_with_one(roster: Database) -> None:
    async with roster.transaction() as s:
        await s.exec(
            update(County).where(col(County.name) == "示范县").values(bureau_contact_id="wx_sfj")
        )
    async with roster.read() as s:
        contacts = await directory.bureau_contacts(s)
    assert list(contacts) == ["示范县"]
    assert contacts["示范县"][1] == "wx_sfj"
