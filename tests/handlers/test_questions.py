"""A villager's question in a bound group: stored, answered, counsel @-mentioned."""

from __future__ import annotations

from sqlmodel import select

from handlers.dispatcher import Dispatcher
from handlers.ports import Target
from handlers.relay import OutboxRelay
from storage.db import Database
from storage.models import Complaint, Question
from tests.fakes import RecordingTransport
from tests.handlers.conftest import COUNSEL_WX, GROUP, Say


async def questions(db: Database) -> list[Question]:
    async with db.read() as s:
        return list(await s.exec(select(Question)))


async def test_question_is_stored_open_and_answered(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    assert await dispatcher.handle(msg("我家宅基地被占了怎么办"))
    await relay.drain()
    [q] = await questions(db)
    assert (q.status, q.category, q.village_id, q.asker_id) == (
        "open",
        "homestead",
        "DL01",
        "zhangsan",
    )
    [reply] = transport.sent
    assert reply.target == Target.group(GROUP)
    assert "@张三" in reply.text
    assert "@陈明远" in reply.text
    assert f"#{q.id}" in reply.text
    assert "人民调解 → 诉讼" in reply.text
    assert "12348" in reply.text
    assert "不构成律师" in reply.text
    assert reply.mentions == ("zhangsan", COUNSEL_WX)


async def test_chitchat_gets_no_reply(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    await dispatcher.handle(msg("吃了吗"))
    await relay.drain()
    assert transport.sent == []
    assert await questions(db) == []


async def test_mention_without_question_gets_short_help(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("你好", to_bot=True))
    await relay.drain()
    [reply] = transport.texts()
    assert "我的律师" in reply


async def test_phone_and_id_numbers_are_masked_when_stored(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    await dispatcher.handle(msg("宅基地的事，我电话13812345678，身份证440102199001011234"))
    [q] = await questions(db)
    assert "13812345678" not in q.text
    assert "440102199001011234" not in q.text
    assert "138****5678" in q.text


async def test_redelivered_message_is_handled_once(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    first = msg("宅基地被占了咋办", message_id="wx-1")
    assert await dispatcher.handle(first)
    assert not await dispatcher.handle(first)
    await relay.drain()
    assert len(await questions(db)) == 1
    assert len(transport.sent) == 1


async def test_unbound_group_mention_explains_binding(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    await dispatcher.handle(msg("宅基地被占了", group="别的群", to_bot=True))
    await relay.drain()
    assert "还没有绑定" in transport.texts()[0]
    assert await questions(db) == []


async def test_unbound_group_without_mention_stays_quiet(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("宅基地被占了", group="别的群"))
    await relay.drain()
    assert transport.sent == []


async def test_counsel_mentioning_asker_closes_question(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    await dispatcher.handle(msg("宅基地被占了怎么办"))
    await dispatcher.handle(
        msg("@张三 先找村委会协调，我明天过来", sender=COUNSEL_WX, name="陈明远")
    )
    [q] = await questions(db)
    assert q.status == "answered"
    assert q.answered_by == "L001"
    assert q.answered_at is not None
    assert q.answered_at.tzinfo is not None


async def test_counsel_ticket_number_closes_question(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    await dispatcher.handle(msg("老板欠工钱怎么办", sender="lisi", name="李四"))
    [q] = await questions(db)
    await dispatcher.handle(msg(f"#{q.id} 可以申请劳动仲裁", sender=COUNSEL_WX, name="陈明远"))
    [q] = await questions(db)
    assert q.status == "answered"


async def test_counsel_message_is_not_a_villager_question(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    await dispatcher.handle(msg("宅基地确权的政策大家可以看看", sender=COUNSEL_WX, name="陈明远"))
    await relay.drain()
    assert await questions(db) == []
    assert transport.sent == []


async def test_urgent_message_alerts_counsel_privately(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("再不给钱我就去跳楼"))
    await relay.drain()
    group_reply = transport.texts(Target.group(GROUP))[0]
    assert "110" in group_reply
    [alert] = transport.texts(Target.person(COUNSEL_WX))
    assert alert.startswith("【紧急】")


async def test_legal_aid_request_gets_the_aid_pointer(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("请不起律师，能申请法律援助吗"))
    await relay.drain()
    assert "【法律援助】" in transport.texts()[0]


async def test_complaint_is_recorded_with_channels(
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    db: Database,
    msg: Say,
) -> None:
    await dispatcher.handle(msg("律师不回消息，打电话也不接"))
    await relay.drain()
    async with db.read() as s:
        [complaint] = list(await s.exec(select(Complaint)))
    assert complaint.counsel_id == "L001"
    assert f"C{complaint.id}" in transport.texts()[0]
    assert "tousu@sft.example" in transport.texts()[0]


async def test_private_message_gets_menu(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("你好", group=None))
    await relay.drain()
    [reply] = transport.sent
    assert reply.target == Target.person("zhangsan")
    assert "我的律师" in reply.text


async def test_contact_card_in_group(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("我的律师"))
    await relay.drain()
    card = transport.texts()[0]
    assert "陈明远" in card
    assert "0000-1000001" in card
    assert "示范正言律师事务所" in card


async def test_contact_card_by_village_name_in_private(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("我的律师 北坑村", group=None))
    await relay.drain()
    assert "北坑村法律顾问联系卡" in transport.texts()[0]


async def test_contact_card_unknown_village_says_what_is_wrong(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await dispatcher.handle(msg("我的律师 火星村", group=None))
    await relay.drain()
    assert "没有编号或名称为 火星村 的村" in transport.texts()[0]
