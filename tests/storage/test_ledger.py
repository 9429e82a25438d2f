"""Ledger entries: validation, month locking and the audit trail (issue 4, rule 8)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import col, select

from config import QuotaSettings, Settings
from storage.db import Database
from storage.errors import Forbidden, InvalidInput, Locked, NotFound
from storage.models import AuditEntry, BureauUser, ServiceLogEntry, Visit
from storage.services.ledger import Actor, EntryDraft, add_entry, delete_entry, edit_entry
from tests.ledger_data import ADMIN, L1, NOW, TZ, load_roster, log


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """The shared roster loaded into ``db``."""
    await load_roster(db, settings)
    return db


def draft(day: date = date(2026, 11, 10), **changes: object) -> EntryDraft:
    """An off-site phone entry of L1 in V1."""
    fields: dict[str, object] = {
        "counsel_id": "L1",
        "village_id": "V1",
        "day": day,
        "kind": "offsite",
        "channel": "phone",
        "minutes": 30,
        "summary": "电话解答宅基地纠纷",
        "source": "chat",
    }
    fields.update(changes)
    return EntryDraft(**fields)  # type: ignore[arg-type]


async def add(
    db: Database, settings: Settings, d: EntryDraft, actor: Actor = L1, now: datetime = NOW
) -> ServiceLogEntry:
    async with db.transaction() as s:
        return await add_entry(s, d, actor=actor, settings=settings, now=now)


async def audits(db: Database) -> list[AuditEntry]:
    async with db.read() as s:
        stmt = select(AuditEntry).where(AuditEntry.entity == "service_log")
        return list(await s.exec(stmt.order_by(col(AuditEntry.id))))


async def test_added_entry_is_stored_with_its_creator(roster: Database, settings: Settings) -> None:
    entry = await add(roster, settings, draft())
    async with roster.read() as s:
        stored = await s.get(ServiceLogEntry, entry.id)
    assert stored is not None
    assert (stored.minutes, stored.created_by, stored.source) == (30, "counsel:L1", "chat")


async def test_added_entry_is_audited_with_after_image(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    [row] = await audits(roster)
    assert (row.action, row.actor, row.entity_id) == ("create", "counsel:L1", str(entry.id))
    assert row.before is None
    assert (row.after or {})["minutes"] == 30
    assert (row.after or {})["day"] == "2026-11-10"


@pytest.mark.parametrize("minutes", [1, 1440])
async def test_minutes_at_bounds_are_accepted(
    roster: Database, settings: Settings, minutes: int
) -> None:
    assert (await add(roster, settings, draft(minutes=minutes))).minutes == minutes


@pytest.mark.parametrize("minutes", [0, 1441])
async def test_minutes_outside_bounds_are_refused(
    roster: Database, settings: Settings, minutes: int
) -> None:
    with pytest.raises(InvalidInput, match=r"1\.\.1440"):
        await add(roster, settings, draft(minutes=minutes))


async def test_unknown_channel_is_refused(roster: Database, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="channel"):
        await add(roster, settings, draft(channel="fax"))


async def test_visit_logged_as_offsite_is_refused(roster: Database, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="驻村"):
        await add(roster, settings, draft(channel="visit", kind="offsite"))


async def test_unknown_activity_is_refused(roster: Database, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="activity"):
        await add(roster, settings, draft(activity="party"))


async def test_counsel_not_assigned_on_that_date_is_refused(
    roster: Database, settings: Settings
) -> None:
    with pytest.raises(InvalidInput, match="没有派驻"):
        await add(roster, settings, draft(village_id="V3"))


async def test_assignment_that_ended_refuses_later_entries(
    roster: Database, settings: Settings
) -> None:
    with pytest.raises(InvalidInput, match="没有派驻"):
        await add(roster, settings, draft(counsel_id="L2", village_id="V3"), actor=Actor("admin"))


async def test_unknown_village_is_refused(roster: Database, settings: Settings) -> None:
    with pytest.raises(NotFound, match="V9"):
        await add(roster, settings, draft(village_id="V9"))


async def test_closed_month_refuses_counsel(roster: Database, settings: Settings) -> None:
    with pytest.raises(Locked, match=r"2026年10月.*11月5日 关账"):
        await add(roster, settings, draft(day=date(2026, 10, 31)))


async def test_month_open_until_day_before_close_day(roster: Database, settings: Settings) -> None:
    nov4 = datetime(2026, 11, 4, 23, 59, tzinfo=TZ)
    entry = await add(roster, settings, draft(day=date(2026, 10, 31)), now=nov4)
    assert entry.day == date(2026, 10, 31)


async def test_close_day_setting_moves_the_lock(roster: Database, settings: Settings) -> None:
    settings = settings.model_copy(update={"quota": QuotaSettings(month_close_day=25)})
    entry = await add(roster, settings, draft(day=date(2026, 10, 31)))
    assert entry.id is not None


async def test_bureau_user_with_right_may_add_to_closed_month(
    roster: Database, settings: Settings
) -> None:
    user = BureauUser(username="zhang", password_hash="x", scope="示范县", can_edit_closed=True)
    entry = await add(roster, settings, draft(day=date(2026, 10, 31)), actor=Actor.bureau(user))
    [row] = await audits(roster)
    assert (entry.created_by, row.actor) == ("bureau:zhang", "bureau:zhang")


async def test_bureau_user_without_right_is_refused(roster: Database, settings: Settings) -> None:
    user = BureauUser(username="li", password_hash="x", scope="示范县")
    with pytest.raises(Locked):
        await add(roster, settings, draft(day=date(2026, 10, 31)), actor=Actor.bureau(user))


async def test_edit_keeps_before_and_after(roster: Database, settings: Settings) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    async with roster.transaction() as s:
        await edit_entry(s, entry.id, {"minutes": 45}, actor=L1, settings=settings, now=NOW)
    row = (await audits(roster))[-1]
    assert row.action == "update"
    assert ((row.before or {})["minutes"], (row.after or {})["minutes"]) == (30, 45)


async def test_edit_moving_entry_into_closed_month_is_refused(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    with pytest.raises(Locked):
        async with roster.transaction() as s:
            await edit_entry(
                s, entry.id, {"day": date(2026, 10, 2)}, actor=L1, settings=settings, now=NOW
            )


async def test_edit_of_closed_month_entry_is_refused(roster: Database, settings: Settings) -> None:
    entry = await log(roster, settings, date(2026, 10, 8), 60, channel="phone")
    assert entry.id is not None
    with pytest.raises(Locked):
        async with roster.transaction() as s:
            await edit_entry(s, entry.id, {"minutes": 90}, actor=L1, settings=settings, now=NOW)


async def test_edit_of_unknown_field_is_refused(roster: Database, settings: Settings) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    with pytest.raises(InvalidInput, match="created_by"):
        async with roster.transaction() as s:
            await edit_entry(s, entry.id, {"created_by": "x"}, actor=L1, settings=settings, now=NOW)


async def test_delete_removes_entry_and_audit_keeps_before_image(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    async with roster.transaction() as s:
        await delete_entry(s, entry.id, actor=L1, settings=settings, now=NOW)
    async with roster.read() as s:
        assert await s.get(ServiceLogEntry, entry.id) is None
    row = (await audits(roster))[-1]
    assert (row.action, row.after, (row.before or {})["summary"]) == (
        "delete",
        None,
        "电话解答宅基地纠纷",
    )


async def test_delete_in_closed_month_is_refused(roster: Database, settings: Settings) -> None:
    entry = await log(roster, settings, date(2026, 10, 8), 60, channel="phone")
    assert entry.id is not None
    with pytest.raises(Locked):
        async with roster.transaction() as s:
            await delete_entry(s, entry.id, actor=L1, settings=settings, now=NOW)


async def test_missing_evidence_question_is_refused(roster: Database, settings: Settings) -> None:
    with pytest.raises(NotFound, match="没有编号为 99 的问题"):
        await add(roster, settings, draft(question_id=99))


async def test_entry_links_its_visit(roster: Database, settings: Settings) -> None:
    async with roster.transaction() as s:
        visit = Visit(counsel_id="L1", village_id="V1", starts_at=NOW, status="done")
        s.add(visit)
    entry = await add(roster, settings, draft(kind="onsite", channel="visit", visit_id=visit.id))
    assert entry.visit_id == visit.id


# ownership: a counsel acting for themselves touches only their own entries -------------

L2 = Actor.counsel("L2")


async def test_counsel_cannot_log_in_another_counsels_name(
    roster: Database, settings: Settings
) -> None:
    with pytest.raises(Forbidden, match="只能记录您自己的服务"):
        await add(roster, settings, draft(), actor=L2)


async def test_counsel_cannot_delete_another_counsels_entry(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    with pytest.raises(NotFound, match=f"没有您的记录 #{entry.id}"):
        async with roster.transaction() as s:
            await delete_entry(s, entry.id, actor=L2, settings=settings, now=NOW)
    async with roster.read() as s:
        assert await s.get(ServiceLogEntry, entry.id) is not None


async def test_counsel_cannot_edit_another_counsels_entry(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    with pytest.raises(NotFound, match="没有您的记录"):
        async with roster.transaction() as s:
            await edit_entry(s, entry.id, {"minutes": 5}, actor=L2, settings=settings, now=NOW)


async def test_a_missing_entry_looks_the_same_to_a_counsel(
    roster: Database, settings: Settings
) -> None:
    with pytest.raises(NotFound, match="没有您的记录 #999"):
        async with roster.transaction() as s:
            await delete_entry(s, 999, actor=L2, settings=settings, now=NOW)


async def test_bureau_actor_may_delete_any_counsels_entry(
    roster: Database, settings: Settings
) -> None:
    entry = await add(roster, settings, draft())
    assert entry.id is not None
    async with roster.transaction() as s:
        before = await delete_entry(s, entry.id, actor=ADMIN, settings=settings, now=NOW)
    assert before["counsel_id"] == "L1"
