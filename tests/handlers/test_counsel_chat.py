"""Issue 10, the counsel by chat: visits (排班, 我的排班, 取消排班, 到村, 离村), the month's
progress with what did not count, last month, and 撤销."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import ServiceLogEntry, Visit
from tests.handlers.conftest import COUNSEL_WX, NOW, Say, Talk


def later(**delta: float) -> datetime:
    return NOW + timedelta(**delta)


async def counsel_says(talk: Talk, msg: Say, text: str, at: datetime = NOW) -> str:
    [reply] = await talk(msg(text, sender=COUNSEL_WX, name="陈明远", group=None, at=at))
    return reply.text


async def visits(db: Database) -> list[Visit]:
    async with db.read() as s:
        return list(await s.exec(select(Visit).order_by(col(Visit.id))))


async def entries(db: Database) -> list[ServiceLogEntry]:
    async with db.read() as s:
        return list(await s.exec(select(ServiceLogEntry).order_by(col(ServiceLogEntry.id))))


async def test_schedule_list_and_cancel_a_visit(talk: Talk, db: Database, msg: Say) -> None:
    said = await counsel_says(talk, msg, "排班 南岗村 12月10日 9:00-12:00 村委会")
    [visit] = await visits(db)
    assert (visit.village_id, visit.place, visit.status) == ("DL01", "村委会", "scheduled")
    assert f"#{visit.id}" in said
    assert "12月10日 09:00-12:00" in said
    mine = await counsel_says(talk, msg, "我的排班")
    assert f"#{visit.id} 12月10日 09:00-12:00 南岗村 村委会" in mine
    cancelled = await counsel_says(talk, msg, f"取消排班 #{visit.id}")
    assert "已取消" in cancelled
    assert [v.status for v in await visits(db)] == ["cancelled"]
    assert "没有安排" in await counsel_says(talk, msg, "我的排班")


async def test_zhucun_is_the_same_as_paiban(talk: Talk, db: Database, msg: Say) -> None:
    await counsel_says(talk, msg, "驻村 北坑 明天 14点-17点半")
    [visit] = await visits(db)
    assert visit.village_id == "DL02"
    assert visit.place == "村委会"  # the default place


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("排班 南岗村 12月10日 12:00-9:00", "结束时间应晚于开始时间"),
        ("排班 南岗村 12月10日", "格式：排班"),
        ("排班 12月10日 9:00-12:00", "请写明村名"),
        ("排班 南岗村 2月30日 9:00-12:00", "不存在"),
        ("排班 南岗村 今天 8:00-9:00", "只能排以后"),
        ("取消排班 #999", "没有找到您的驻村安排 #999"),
        ("取消排班 明天", "格式：取消排班"),
    ],
)
async def test_bad_visit_commands_say_what_is_right(
    talk: Talk, msg: Say, text: str, words: str
) -> None:
    assert words in await counsel_says(talk, msg, text)


async def test_overlapping_visits_are_refused(talk: Talk, msg: Say) -> None:
    await counsel_says(talk, msg, "排班 南岗村 12月10日 9:00-12:00")
    assert "重叠" in await counsel_says(talk, msg, "排班 北坑村 12月10日 11:00-15:00")


async def test_the_card_and_the_question_reply_show_the_next_visit(talk: Talk, msg: Say) -> None:
    await counsel_says(talk, msg, "排班 南岗村 12月10日 9:00-12:00 村文化室")
    [card] = await talk(msg("我的律师"))
    assert "12月10日 09:00-12:00 村文化室" in card.text
    [reply] = await talk(msg("宅基地被占了怎么办"))
    assert "下次驻村 12月10日 09:00-12:00 村文化室" in reply.text


async def test_arrive_and_leave_log_an_onsite_visit(talk: Talk, db: Database, msg: Say) -> None:
    assert "请写明" in await counsel_says(talk, msg, "到村")  # serves two villages
    assert "已签到" in await counsel_says(talk, msg, "到村 南岗村")
    assert "还没有离村" in await counsel_says(talk, msg, "到村 南岗村", later(minutes=5))
    left = await counsel_says(talk, msg, "离村", later(hours=2, minutes=30))
    [entry] = await entries(db)
    [visit] = await visits(db)
    assert (entry.kind, entry.channel, entry.minutes, entry.visit_id) == (
        "onsite",
        "visit",
        150,
        visit.id,
    )
    assert visit.status == "done"
    assert "驻村 150 分钟" in left
    assert "南岗村：已计 150/480" in left


async def test_arriving_uses_todays_scheduled_visit(talk: Talk, db: Database, msg: Say) -> None:
    await counsel_says(talk, msg, "排班 南岗村 今天 14:00-16:00", NOW)
    await counsel_says(talk, msg, "到村 南岗村", later(hours=4))
    await counsel_says(talk, msg, "离村", later(hours=6))
    [visit] = await visits(db)
    [entry] = await entries(db)
    assert (visit.status, entry.visit_id, entry.minutes) == ("done", visit.id, 120)


async def test_leaving_without_arriving_or_after_twelve_hours_is_refused(
    talk: Talk, db: Database, msg: Say
) -> None:
    assert "还没有「到村」" in await counsel_says(talk, msg, "离村")
    await counsel_says(talk, msg, "到村 南岗村")
    assert "超过 12 小时" in await counsel_says(talk, msg, "离村", later(hours=13))
    assert await entries(db) == []
    # the stale check-in does not block the next day's 到村
    assert "已签到" in await counsel_says(talk, msg, "到村 南岗村", later(hours=24))


async def test_progress_notes_what_did_not_count(talk: Talk, msg: Say) -> None:
    await counsel_says(talk, msg, "记录 南岗村 电话 5小时 多次电话咨询")
    said = await counsel_says(talk, msg, "本月进度")
    assert "未计入：非现场超出 50% 上限 60 分钟" in said


async def test_last_month_and_undo(talk: Talk, db: Database, msg: Say) -> None:
    locked = await counsel_says(talk, msg, "记录 10月30日 南岗村 电话 30分钟 上月的咨询")
    assert "关账" in locked  # October closed on November 5
    last = await counsel_says(talk, msg, "上月进度")
    assert last.startswith("【2026-10 服务进度】")
    assert "南岗村：已计 0/480" in last
    await counsel_says(talk, msg, "记录 南岗村 电话 30分钟 本月的咨询")
    await counsel_says(talk, msg, "记录 南岗村 微信 20分钟 今天的")
    undone = await counsel_says(talk, msg, "撤销")
    assert "已撤销" in undone
    assert "20 分钟" in undone
    assert [e.minutes for e in await entries(db)] == [30]
    await counsel_says(talk, msg, "撤销")
    assert "没有可以撤销" in await counsel_says(talk, msg, "撤销")


async def test_a_villager_cannot_schedule(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("排班 南岗村 12月10日 9:00-12:00", group=None))
    assert "法律顾问专用" in reply.text
