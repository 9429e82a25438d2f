"""A villager's question in a bound group: stored, answered, counsel @-mentioned."""

from __future__ import annotations

from sqlmodel import select

from handlers.dispatcher import Dispatcher
from handlers.ports import Target
from storage.db import Database
from storage.models import Complaint, Question
from tests.handlers.conftest import COUNSEL_WX, GROUP, Say, Talk


async def questions(db: Database) -> list[Question]:
    async with db.read() as s:
        return list(await s.exec(select(Question)))


async def test_question_is_stored_open_and_answered(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("我家宅基地被占了怎么办"))
    [q] = await questions(db)
    assert (q.status, q.category, q.village_id, q.asker_id) == (
        "open",
        "homestead",
        "DL01",
        "zhangsan",
    )
    assert reply.target == Target.group(GROUP)
    assert "@张三" in reply.text
    assert "@陈明远" in reply.text
    assert f"#{q.id}" in reply.text
    assert "人民调解 → 诉讼" in reply.text
    assert "12348" in reply.text
    assert "不构成律师" in reply.text
    assert reply.mentions == ("zhangsan", COUNSEL_WX)


async def test_chitchat_gets_no_reply(talk: Talk, db: Database, msg: Say) -> None:
    assert await talk(msg("吃了吗")) == []
    assert await questions(db) == []


async def test_mention_without_question_gets_short_help(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("你好", to_bot=True))
    assert "我的律师" in reply.text


async def test_phone_and_id_numbers_are_masked_when_stored(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("宅基地的事，我电话13812345678，身份证440102199001011234"))
    [q] = await questions(db)
    assert "13812345678" not in q.text
    assert "440102199001011234" not in q.text
    assert "138****5678" in q.text


async def test_redelivered_message_is_handled_once(
    talk: Talk, dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    first = msg("宅基地被占了咋办", message_id="wx-1")
    assert len(await talk(first)) == 1
    assert not await dispatcher.handle(first)
    assert await talk(first) == []
    assert len(await questions(db)) == 1


async def test_unbound_group_mention_explains_binding(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("宅基地被占了", group="别的群", to_bot=True))
    assert "还没有绑定" in reply.text
    assert await questions(db) == []


async def test_unbound_group_without_mention_stays_quiet(talk: Talk, msg: Say) -> None:
    assert await talk(msg("宅基地被占了", group="别的群")) == []


async def test_counsel_mentioning_asker_closes_question(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("宅基地被占了怎么办"))
    await talk(msg("@张三 先找村委会协调，我明天过来", sender=COUNSEL_WX, name="陈明远"))
    [q] = await questions(db)
    assert q.status == "answered"
    assert q.answered_by == "L001"
    assert q.answered_at is not None
    assert q.answered_at.tzinfo is not None


async def test_counsel_ticket_number_closes_question(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("老板欠工钱怎么办", sender="lisi", name="李四"))
    [q] = await questions(db)
    await talk(msg(f"#{q.id} 可以申请劳动仲裁", sender=COUNSEL_WX, name="陈明远"))
    [q] = await questions(db)
    assert q.status == "answered"


async def test_counsel_message_is_not_a_villager_question(
    talk: Talk, db: Database, msg: Say
) -> None:
    said = await talk(msg("宅基地确权的政策大家可以看看", sender=COUNSEL_WX, name="陈明远"))
    assert said == []
    assert await questions(db) == []


async def test_urgent_message_alerts_counsel_privately(talk: Talk, msg: Say) -> None:
    said = await talk(msg("再不给钱我就去跳楼"))
    [group_reply] = [m for m in said if m.target == Target.group(GROUP)]
    [alert] = [m for m in said if m.target == Target.person(COUNSEL_WX)]
    assert "110" in group_reply.text
    assert alert.text.startswith("【紧急】")


async def test_legal_aid_request_gets_the_aid_pointer(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("请不起律师，能申请法律援助吗"))
    assert "【法律援助】" in reply.text


async def test_complaint_is_recorded_with_channels(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("律师不回消息，打电话也不接"))
    async with db.read() as s:
        [complaint] = list(await s.exec(select(Complaint)))
    assert complaint.counsel_id == "L001"
    assert f"C{complaint.id}" in reply.text
    assert "tousu@sft.example" in reply.text


async def test_private_message_gets_menu(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("你好", group=None))
    assert reply.target == Target.person("zhangsan")
    assert "我的律师" in reply.text


async def test_contact_card_in_group(talk: Talk, msg: Say) -> None:
    [card] = await talk(msg("我的律师"))
    assert "陈明远" in card.text
    assert "0000-1000001" in card.text
    assert "示范正言律师事务所" in card.text


async def test_contact_card_by_village_name_in_private(talk: Talk, msg: Say) -> None:
    [card] = await talk(msg("我的律师 北坑村", group=None))
    assert "北坑村法律顾问联系卡" in card.text


async def test_contact_card_unknown_village_says_what_is_wrong(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("我的律师 火星村", group=None))
    assert "没有编号或名称为 火星村 的村" in reply.text
