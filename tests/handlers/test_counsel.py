"""The counsel's private commands through the dispatcher, on both backends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import count

import pytest
from sqlmodel import col, select

from config import Settings
from handlers import counsel, help
from handlers.dispatcher import Dispatcher
from handlers.ports import IncomingMessage
from nlp.types import Classification
from storage.db import Database
from storage.models import Leave, OutboxMessage, ServiceLogEntry
from tests.ledger_data import NOW, load_roster, log

_ids = count(1)


class QuietLanguage:
    """A Language that finds nothing to answer (these handlers never classify)."""

    def classify(self, text: str) -> Classification:
        """Everything is chit-chat."""
        return Classification("other", 0.0, intents=frozenset({"chitchat"}))

    def guidance(self, category: str) -> QuietGuidance:
        """Empty guidance."""
        return QuietGuidance()


class QuietGuidance:
    """Guidance with nothing in it."""

    name = "其他"
    channels: Sequence[str] = ()
    tip = ""


@pytest.fixture
async def bot(db: Database, settings: Settings) -> Dispatcher:
    await load_roster(db, settings)
    return Dispatcher(db, settings, QuietLanguage(), [counsel.router, help.router])


async def say(bot: Dispatcher, text: str, sender: str = "wx_L1", when: datetime = NOW) -> str:
    """Send a private message; return the bot's last reply to the sender."""
    message = IncomingMessage("console", sender, "某人", text, when, message_id=f"m{next(_ids)}")
    await bot.handle(message)
    async with bot.db.read() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.target_id == sender)
        rows = list(await s.exec(stmt.order_by(col(OutboxMessage.id))))
    return rows[-1].text


async def entries(db: Database) -> list[ServiceLogEntry]:
    async with db.read() as s:
        return list(await s.exec(select(ServiceLogEntry)))


async def test_counsel_logs_offsite_minutes(bot: Dispatcher) -> None:
    reply = await say(bot, "记录 南岗村 电话 30分钟 解答宅基地纠纷")
    [entry] = await entries(bot.db)
    assert (entry.village_id, entry.kind, entry.channel, entry.minutes, entry.source) == (
        "V1",
        "offsite",
        "phone",
        30,
        "chat",
    )
    assert f"已记录 #{entry.id}" in reply
    assert "已计 30/480 分钟" in reply
    assert "还差 450 分钟" in reply


async def test_bad_record_gets_the_right_form(bot: Dispatcher) -> None:
    reply = await say(bot, "记录 南岗村 打了个电话")
    assert "格式：记录 村名 渠道 时长 摘要" in reply
    assert await entries(bot.db) == []


async def test_record_in_closed_month_is_refused(bot: Dispatcher) -> None:
    reply = await say(bot, "记录 南岗村 电话 30分钟 10月31日")
    assert "关账" in reply


async def test_future_record_is_refused(bot: Dispatcher) -> None:
    reply = await say(bot, "记录 南岗村 电话 30分钟 2026-11-30")
    assert "今天以后" in reply


async def test_progress_lists_each_village(bot: Dispatcher, settings: Settings) -> None:
    await log(bot.db, settings, date(2026, 11, 3), 180)
    reply = await say(bot, "本月进度")
    assert "南岗村：已计 180/480 分钟（现场 180，非现场计入 0/240），现场服务 1 次" in reply
    assert "北岭村：已计 0/480 分钟" in reply
    assert "弹性村，本半年现场 0/3000 分钟" in reply


async def test_counsel_deletes_own_entry(bot: Dispatcher) -> None:
    await say(bot, "记录 南岗村 微信 20分钟")
    [entry] = await entries(bot.db)
    assert "已删除记录" in await say(bot, f"删除记录 #{entry.id}")
    assert await entries(bot.db) == []


async def test_counsel_cannot_delete_another_counsels_entry(
    bot: Dispatcher, settings: Settings
) -> None:
    other = await log(bot.db, settings, date(2026, 11, 3), 60, counsel="L3", village="W1")
    assert "没有您的记录" in await say(bot, f"删除记录 {other.id}")


async def test_leave_is_recorded_and_confirmed(bot: Dispatcher) -> None:
    reply = await say(bot, "请假 12月1日-12月7日")
    async with bot.db.read() as s:
        leave = (await s.exec(select(Leave))).one()
    assert (leave.counsel_id, leave.start, leave.end) == (
        "L1",
        date(2026, 12, 1),
        date(2026, 12, 7),
    )
    assert "12月1日至12月7日" in reply


async def test_bad_leave_gets_the_right_form(bot: Dispatcher) -> None:
    assert "格式：请假 12月1日-12月7日" in await say(bot, "请假 下个月")


async def test_villager_gets_no_counsel_data(bot: Dispatcher, settings: Settings) -> None:
    await log(bot.db, settings, date(2026, 11, 3), 180)
    reply = await say(bot, "本月进度", sender="wx_villager")
    assert reply == "这是法律顾问专用的命令。村民有法律问题，请在本村群里直接提问。"


async def test_villager_cannot_log(bot: Dispatcher) -> None:
    await say(bot, "记录 南岗村 电话 30分钟", sender="wx_villager")
    assert await entries(bot.db) == []


async def test_other_private_text_from_counsel_shows_counsel_menu(bot: Dispatcher) -> None:
    assert "本月进度" in await say(bot, "你好")
