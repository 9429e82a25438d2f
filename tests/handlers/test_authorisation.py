"""Who may do what in chat, action by action, each tried by someone who may not (issue 8,
case 4). 林 (L002) serves 东坑村 only; 陈 (L001) serves 南岗村, whose group this is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.models import Question, ServiceLogEntry
from storage.services import questions
from storage.services.roster import COLUMNS, import_roster
from tests.handlers.conftest import COUNSEL_WX, GROUP, Say, Talk

OTHER_WX = "wx_lin"
OTHER_ROW = "示范县,东岭镇,DL03,东坑村,否,L002,林晓燕,示范所,0000-1000002,lin@x.example,wx_lin,否"


@pytest.fixture
async def other_counsel(dispatcher: Dispatcher, db: Database, settings: Settings) -> None:
    """L002, who serves DL03 and not the group's village DL01."""
    await import_roster(db, ",".join(COLUMNS) + "\n" + OTHER_ROW, settings.quota)


async def open_tickets(db: Database) -> list[Question]:
    async with db.read() as s:
        return list(await s.exec(select(Question).where(Question.status == "open")))


async def ledger(db: Database) -> list[ServiceLogEntry]:
    async with db.read() as s:
        return list(await s.exec(select(ServiceLogEntry)))


@pytest.mark.usefixtures("other_counsel")
async def test_a_counsel_of_another_village_cannot_close_by_mention(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("宅基地被占了怎么办"))
    await talk(msg("@张三 已阅", sender=OTHER_WX, name="林晓燕"))
    assert len(await open_tickets(db)) == 1


@pytest.mark.usefixtures("other_counsel")
async def test_a_counsel_of_another_village_cannot_close_by_number(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("宅基地被占了怎么办"))
    [ticket] = await open_tickets(db)
    await talk(msg(f"#{ticket.id} 已阅", sender=OTHER_WX, name="林晓燕"))
    assert len(await open_tickets(db)) == 1


async def test_a_villager_cannot_close_by_number(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("宅基地被占了怎么办"))
    [ticket] = await open_tickets(db)
    await talk(msg(f"#{ticket.id} 好了好了", sender="lisi", name="李四"))
    assert len(await open_tickets(db)) == 1


async def test_the_villages_own_counsel_can_close(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("宅基地被占了怎么办"))
    await talk(msg("@张三 先找村委会", sender=COUNSEL_WX, name="陈明远"))
    assert await open_tickets(db) == []


@pytest.mark.usefixtures("other_counsel")
async def test_the_service_itself_refuses_another_villages_counsel(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("宅基地被占了怎么办"))
    async with db.transaction() as s:
        closed = await questions.answer_questions(
            s,
            questions.Answer(
                group_id=GROUP,
                counsel_id="L002",
                when=datetime.now(UTC),
                today=datetime.now(UTC).date(),
                askers=["张三"],
            ),
        )
    assert closed == []
    assert len(await open_tickets(db)) == 1


async def test_a_villager_cannot_log_service(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("记录 南岗村 电话 30分钟 冒充", group=None))
    assert "法律顾问专用" in reply.text
    assert await ledger(db) == []


@pytest.mark.usefixtures("other_counsel")
async def test_a_counsel_cannot_log_service_in_a_village_not_theirs(
    talk: Talk, db: Database, msg: Say
) -> None:
    [reply] = await talk(msg("记录 南岗村 电话 30分钟 冒充", sender=OTHER_WX, group=None))
    assert "南岗村" in reply.text  # not understood as one of their villages
    assert await ledger(db) == []


@pytest.mark.usefixtures("other_counsel")
async def test_a_counsel_cannot_delete_another_counsels_entry(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("记录 南岗村 电话 30分钟 解答", sender=COUNSEL_WX, group=None))
    [entry] = await ledger(db)
    [reply] = await talk(msg(f"删除记录 #{entry.id}", sender=OTHER_WX, group=None))
    assert f"没有您的记录 #{entry.id}" in reply.text
    assert len(await ledger(db)) == 1


@pytest.mark.usefixtures("other_counsel")
async def test_a_counsel_sees_only_their_own_progress(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("本月进度", sender=OTHER_WX, group=None))
    assert "东坑村" in reply.text
    assert "南岗村" not in reply.text


async def test_a_villager_sees_no_progress(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("本月进度", group=None))
    assert "法律顾问专用" in reply.text
    assert "南岗村" not in reply.text


async def test_a_villager_cannot_take_leave(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("请假 12月1日-12月7日", group=None))
    assert "法律顾问专用" in reply.text
