"""Reminder checks: who gets what, once, outside quiet hours, not while on leave."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from config import ReminderSettings, Settings
from handlers.jobs import after_quiet_hours
from handlers.reminders import (
    month_closed_summary,
    month_end_shortfall,
    no_visit_midmonth,
    overdue_questions,
    visit_eve,
    visit_morning,
)
from storage.db import Database
from storage.models import ChatGroup, County, Leave, OutboxMessage, Question, Visit
from tests.ledger_data import TZ, load_roster, log


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant in the deployment's zone."""
    return datetime.combine(day, time(hour, minute), TZ)


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """Roster, V1's group bound, a bureau contact for 示范县."""
    await load_roster(db, settings)
    async with db.transaction() as s:
        s.add(ChatGroup(id="南岗村群", village_id="V1"))
        await s.exec(
            update(County).where(col(County.name) == "示范县").values(bureau_contact_id="wx_sfj")
        )
    return db


async def sent(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        return list(await s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


async def to_l1(db: Database) -> list[OutboxMessage]:
    return [m for m in await sent(db) if m.target_id == "wx_L1"]


async def add_visit(db: Database, starts: datetime) -> None:
    async with db.transaction() as s:
        s.add(Visit(counsel_id="L1", village_id="V1", starts_at=starts))


# quiet hours -------------------------------------------------------------------------


def test_reminder_late_evening_waits_for_next_morning(settings: Settings) -> None:
    assert after_quiet_hours(at(date(2026, 11, 22), 22), settings) == at(date(2026, 11, 23), 8)


def test_reminder_before_dawn_waits_for_same_morning(settings: Settings) -> None:
    assert after_quiet_hours(at(date(2026, 11, 22), 6), settings) == at(date(2026, 11, 22), 8)


def test_reminder_in_daytime_goes_now(settings: Settings) -> None:
    noon = at(date(2026, 11, 22), 12)
    assert after_quiet_hours(noon, settings) == noon


def test_quiet_end_itself_is_not_quiet(settings: Settings) -> None:
    eight = at(date(2026, 11, 22), 8)
    assert after_quiet_hours(eight, settings) == eight


def test_quiet_hours_not_spanning_midnight(settings: Settings) -> None:
    lunch = settings.model_copy(
        update={"reminders": ReminderSettings(quiet_start=time(12), quiet_end=time(14))}
    )
    assert after_quiet_hours(at(date(2026, 11, 22), 13), lunch) == at(date(2026, 11, 22), 14)


# visits ------------------------------------------------------------------------------


async def test_counsel_reminded_the_day_before_a_visit(
    roster: Database, settings: Settings
) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    assert await visit_eve(roster, settings, at(date(2026, 11, 22), 18)) == 2
    msg, notice = await sent(roster)
    assert (msg.target_kind, msg.target_id, msg.channel) == ("person", "wx_L1", "wechat")
    assert (
        msg.text
        == "【驻村提醒】您明天（11月23日 09:30）安排到南岗村现场服务。如需改期，请提前告知村委会。"
    )
    assert notice.target_kind == "group"  # the village's group is told the evening before too
    assert notice.text.startswith("【明日驻村】")


async def test_visit_eve_run_twice_sends_once(roster: Database, settings: Settings) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    await visit_eve(roster, settings, at(date(2026, 11, 22), 18))
    assert await visit_eve(roster, settings, at(date(2026, 11, 22), 19)) == 0
    assert len(await sent(roster)) == 2


async def test_visit_eve_in_quiet_hours_is_held_until_morning(
    roster: Database, settings: Settings
) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 14))
    await visit_eve(roster, settings, at(date(2026, 11, 22), 23))
    assert {m.not_before for m in await sent(roster)} == {at(date(2026, 11, 23), 8)}


async def test_no_visit_reminder_for_counsel_on_leave(roster: Database, settings: Settings) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    async with roster.transaction() as s:
        s.add(Leave(counsel_id="L1", start=date(2026, 11, 20), end=date(2026, 11, 25)))
    assert await visit_eve(roster, settings, at(date(2026, 11, 22), 18)) == 0


async def test_group_told_the_morning_of_a_visit(roster: Database, settings: Settings) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    assert await visit_morning(roster, settings, at(date(2026, 11, 23), 8, 30)) == 1
    [msg] = await sent(roster)
    assert (msg.target_kind, msg.target_id) == ("group", "南岗村群")
    assert msg.text.startswith("【今日驻村】法律顾问甲律师律师今天 09:30 到村服务")


# month -------------------------------------------------------------------------------


async def test_no_onsite_visit_by_mid_month_lists_villages(
    roster: Database, settings: Settings
) -> None:
    await log(roster, settings, date(2026, 11, 3), 60, village="V2")
    await no_visit_midmonth(roster, settings, at(date(2026, 11, 16), 9))
    [msg] = await to_l1(roster)
    assert "南岗村" in msg.text
    assert "北岭村" not in msg.text


async def test_no_mid_month_reminder_in_first_half(roster: Database, settings: Settings) -> None:
    assert await no_visit_midmonth(roster, settings, at(date(2026, 11, 15), 9)) == 0


async def test_shortfall_reminder_n_days_before_month_end(
    roster: Database, settings: Settings
) -> None:
    await log(roster, settings, date(2026, 11, 3), 300)
    await month_end_shortfall(roster, settings, at(date(2026, 11, 25), 9))
    [msg] = await to_l1(roster)
    assert "南岗村：还差 180 分钟" in msg.text
    assert "北岭村：还差 480 分钟，本月还没有现场服务" in msg.text


async def test_no_shortfall_reminder_earlier(roster: Database, settings: Settings) -> None:
    assert await month_end_shortfall(roster, settings, at(date(2026, 11, 24), 9)) == 0


async def test_no_shortfall_reminder_when_all_met(roster: Database, settings: Settings) -> None:
    for village in ("V1", "V2"):
        await log(roster, settings, date(2026, 11, 3), 480, village=village)
    await month_end_shortfall(roster, settings, at(date(2026, 11, 26), 9))
    assert await to_l1(roster) == []


# questions ---------------------------------------------------------------------------


async def ask(db: Database, asked: datetime) -> None:
    async with db.transaction() as s:
        s.add(
            Question(
                village_id="V1",
                group_id="南岗村群",
                asker_id="wx_v",
                asker_name="王大伯",
                text="宅基地",
                category="homestead",
                asked_at=asked,
            )
        )


async def test_question_past_limit_goes_to_counsel(roster: Database, settings: Settings) -> None:
    now = at(date(2026, 11, 22), 12)
    await ask(roster, now - timedelta(hours=25))
    assert await overdue_questions(roster, settings, now) == 1
    [msg] = await sent(roster)
    assert (msg.target_id, "25 小时" in msg.text) == ("wx_L1", True)


async def test_question_just_under_limit_waits(roster: Database, settings: Settings) -> None:
    now = at(date(2026, 11, 22), 12)
    await ask(roster, now - timedelta(hours=23, minutes=59))
    assert await overdue_questions(roster, settings, now) == 0


async def test_question_past_twice_limit_goes_to_bureau_once(
    roster: Database, settings: Settings
) -> None:
    now = at(date(2026, 11, 22), 12)
    await ask(roster, now - timedelta(hours=48))
    await overdue_questions(roster, settings, now)
    await overdue_questions(roster, settings, now + timedelta(minutes=15))
    assert [m.target_id for m in await sent(roster)] == ["wx_L1", "wx_sfj"]


# after the month closes --------------------------------------------------------------


async def test_bureau_gets_summary_when_month_closes(roster: Database, settings: Settings) -> None:
    await log(roster, settings, date(2026, 11, 3), 480)
    assert await month_closed_summary(roster, settings, at(date(2026, 12, 5), 9)) == 1
    [msg] = await sent(roster)
    assert msg.target_id == "wx_sfj"
    assert "派驻 2 个：达标 1，未达标 1，待定 0。" in msg.text
    assert "北岭村（甲律师）：计 0/480 分钟，现场 0 次" in msg.text


async def test_no_summary_before_close_day(roster: Database, settings: Settings) -> None:
    assert await month_closed_summary(roster, settings, at(date(2026, 12, 4), 9)) == 0


# several accounts ------------------------------------------------------------------------


async def test_a_group_reminder_goes_through_the_account_in_that_group(
    roster: Database, settings: Settings
) -> None:
    from storage.services.directory import saw_room

    async with roster.transaction() as s:
        await saw_room(s, "南岗村群", "南岗村群", 40, "wechat:bot_b", at(date(2026, 11, 22), 9))
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    assert await visit_morning(roster, settings, at(date(2026, 11, 23), 8, 30)) == 1
    [msg] = await sent(roster)
    assert (msg.channel, msg.target_id) == ("wechat:bot_b", "南岗村群")


async def test_a_group_no_account_has_seen_goes_to_the_channel_kind(
    roster: Database, settings: Settings
) -> None:
    await add_visit(roster, at(date(2026, 11, 23), 9, 30))
    await visit_morning(roster, settings, at(date(2026, 11, 23), 8, 30))
    [msg] = await sent(roster)
    assert msg.channel == settings.default_channel
