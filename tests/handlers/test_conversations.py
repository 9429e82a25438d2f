"""Issue 10, the conversations a busy group needs: fragmented questions, closing one
ticket per answer, ratings, answers as evidence, welcome, 解绑, tone, long messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.ports import OutgoingMessage
from handlers.relay import OutboxRelay
from handlers.routing import all_routers
from storage.db import Database
from storage.models import ChatGroup, Question, ServiceLogEntry, SurveyAnswer
from tests.fakes import RecordingTransport, village_language
from tests.handlers.conftest import COUNSEL_WX, GROUP, NOW, Say, Talk


async def tickets(db: Database) -> list[Question]:
    async with db.read() as s:
        return list(await s.exec(select(Question).order_by(col(Question.id))))


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


# --- fragmentation ------------------------------------------------------------------------

FRAGMENTS = ["请问一下", "我家那个承包地", "被村里收回去了", "没给补偿 咋办"]


async def test_four_lines_from_one_person_are_one_question_with_one_reply(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    said = []
    for n, line in enumerate(FRAGMENTS):
        said += await real_talk(msg(line, at=NOW + timedelta(seconds=15 * n)))
    [ticket] = await tickets(db)
    assert len(said) == 1
    assert "已登记" in said[0].text
    assert ticket.text.split("\n") == FRAGMENTS  # no line dropped
    assert ticket.category in {"land", "expropriation"}


async def test_a_line_after_the_window_is_a_question_of_its_own(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    await real_talk(msg("土地被收回了怎么办"))
    [reply] = await real_talk(msg("老板欠我工钱不给怎么办", at=NOW + timedelta(minutes=5)))
    assert "#2" in reply.text
    assert len(await tickets(db)) == 2


async def test_other_peoples_lines_are_not_merged(real_talk: Talk, db: Database, msg: Say) -> None:
    await real_talk(msg("我家那个承包地", sender="lisi", name="李四"))
    await real_talk(msg("被村里收回去了"))
    await real_talk(msg("没给补偿 咋办", at=NOW + timedelta(seconds=10)))
    [*_, mine] = await tickets(db)
    assert mine.asker_id == "zhangsan"
    assert "承包地" not in mine.text


async def test_chitchat_that_leads_nowhere_is_forgotten(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    assert await real_talk(msg("请问一下")) == []
    await real_talk(msg("土地被收回了怎么办", at=NOW + timedelta(minutes=10)))
    [ticket] = await tickets(db)
    assert ticket.text == "土地被收回了怎么办"


# --- closing ------------------------------------------------------------------------------


async def test_an_answer_closes_the_latest_calm_ticket_and_says_so_privately(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    await real_talk(msg("他们要来堵路拉横幅"))
    await real_talk(msg("宅基地被占了怎么办", at=NOW + timedelta(minutes=5)))
    await real_talk(msg("老板欠我工钱怎么办", at=NOW + timedelta(minutes=10)))
    urgent, homestead, wages = await tickets(db)
    said = await real_talk(
        msg("@张三 工钱的事先找劳动监察", sender=COUNSEL_WX, name="陈明远", at=later(900))
    )
    status = {q.id: q.status for q in await tickets(db)}
    assert status == {urgent.id: "open", homestead.id: "open", wages.id: "answered"}
    [to_counsel] = [m for m in said if m.target.id == COUNSEL_WX]
    assert f"已结案：#{wages.id}" in to_counsel.text
    assert f"#{urgent.id}" in to_counsel.text
    assert f"#{homestead.id}" in to_counsel.text
    assert "回复 1 记录 15 分钟" in to_counsel.text
    assert all(m.target.kind == "person" for m in said)  # nothing said in the group

    await real_talk(
        msg(f"#{urgent.id} #{homestead.id} 已电话联系", sender=COUNSEL_WX, at=later(960))
    )
    assert {q.status for q in await tickets(db)} == {"answered"}


async def test_a_quoted_question_is_the_one_closed(real_talk: Talk, db: Database, msg: Say) -> None:
    await real_talk(msg("宅基地被占了怎么办"))
    await real_talk(msg("老板欠我工钱怎么办", at=later(300)))
    quote = "「张三：宅基地被占了怎么办」\n- - - - - - - - - - - - - - -\n@张三 先找村委会调解"
    await real_talk(msg(quote, sender=COUNSEL_WX, name="陈明远", at=later(600)))
    homestead, wages = await tickets(db)
    assert (homestead.status, wages.status) == ("answered", "open")


# --- ratings and evidence -------------------------------------------------------------------


async def answered(talk: Talk, msg: Say) -> list[OutgoingMessage]:
    await talk(msg("宅基地被占了怎么办"))
    return await talk(msg("@张三 先找村委会调解", sender=COUNSEL_WX, name="陈明远", at=later(60)))


async def ratings(db: Database) -> list[SurveyAnswer]:
    async with db.read() as s:
        return list(await s.exec(select(SurveyAnswer)))


async def test_the_asker_is_asked_once_to_rate_and_the_rating_is_stored(
    talk: Talk, db: Database, msg: Say
) -> None:
    said = await answered(talk, msg)
    [prompt] = [m for m in said if m.target.id == "zhangsan"]
    assert prompt.target.kind == "person"
    assert "1 满意、2 基本满意、3 不满意" in prompt.text
    [thanks] = await talk(msg("2", group=None, at=later(120)))
    assert "基本满意" in thanks.text
    [stored] = await ratings(db)
    [ticket] = await tickets(db)
    assert (stored.score, stored.question_id, stored.counsel_id) == (3, ticket.id, "L001")
    assert await talk(msg("2", group=None, at=later(180))) != [thanks]  # not stored twice
    assert len(await ratings(db)) == 1


async def test_unhappy_is_offered_the_complaint_channels(
    talk: Talk, db: Database, msg: Say
) -> None:
    await answered(talk, msg)
    [reply] = await talk(msg("不满意", at=later(120)))  # in the group: answered privately
    assert reply.target.kind == "person"
    assert "投诉" in reply.text
    assert "0000-0000000" in reply.text
    assert [r.score for r in await ratings(db)] == [1]


async def test_no_prompt_after_a_rating_within_thirty_days(talk: Talk, msg: Say) -> None:
    await answered(talk, msg)
    await talk(msg("满意", group=None, at=later(120)))
    await talk(msg("老板欠我工钱怎么办", at=later(600)))
    said = await talk(msg("@张三 去劳动监察", sender=COUNSEL_WX, name="陈明远", at=later(900)))
    assert [m.target.id for m in said] == [COUNSEL_WX]


async def test_a_rating_word_without_a_prompt_is_not_a_rating(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("满意", group=None))
    assert await ratings(db) == []


async def entries(db: Database) -> list[ServiceLogEntry]:
    async with db.read() as s:
        return list(await s.exec(select(ServiceLogEntry)))


async def test_one_word_logs_the_answer_as_evidence(talk: Talk, db: Database, msg: Say) -> None:
    await answered(talk, msg)
    [reply] = await talk(msg("1", sender=COUNSEL_WX, name="陈明远", group=None, at=later(120)))
    [entry] = await entries(db)
    [ticket] = await tickets(db)
    assert (entry.kind, entry.channel, entry.minutes, entry.question_id, entry.source) == (
        "offsite",
        "wechat",
        15,
        ticket.id,
        "group",
    )
    assert f"问题 #{ticket.id}" in reply.text
    [again] = await talk(msg("1", sender=COUNSEL_WX, group=None, at=later(180)))
    assert "没有待记录" in again.text
    assert len(await entries(db)) == 1


async def test_the_counsel_may_give_other_minutes(talk: Talk, db: Database, msg: Say) -> None:
    await answered(talk, msg)
    await talk(msg("1 20分钟", sender=COUNSEL_WX, group=None, at=later(120)))
    assert [e.minutes for e in await entries(db)] == [20]


# --- welcome and binding ----------------------------------------------------------------------


async def test_newcomers_are_welcomed_once_a_day_per_group(talk: Talk, msg: Say) -> None:
    [hello] = await talk(msg("", sender="zhaoliu", name="赵六", joined=("赵六",)))
    assert hello.target.id == GROUP
    assert "赵六" in hello.text
    assert "我的律师" in hello.text
    assert len(hello.text.splitlines()) == 2
    assert await talk(msg("", sender="qianqi", joined=("钱七",), at=later(3600))) == []
    [next_day] = await talk(msg("", sender="sunba", joined=("孙八",), at=later(86400)))
    assert "孙八" in next_day.text


async def test_a_join_in_an_unbound_group_is_not_answered(talk: Talk, msg: Say) -> None:
    assert await talk(msg("", group="别的群", joined=("赵六",))) == []


async def test_a_villager_cannot_unbind_the_counsel_can(talk: Talk, db: Database, msg: Say) -> None:
    [refused] = await talk(msg("解绑"))
    assert "只有本村法律顾问" in refused.text
    [done] = await talk(msg("解绑", sender=COUNSEL_WX, name="陈明远"))
    assert "解除绑定" in done.text
    async with db.read() as s:
        assert list(await s.exec(select(ChatGroup))) == []
    [again] = await talk(msg("解绑", sender=COUNSEL_WX))
    assert "没有绑定" in again.text


# --- tone and long messages -------------------------------------------------------------------


async def test_the_reply_is_short_and_the_disclaimer_comes_once_a_day(
    real_talk: Talk, msg: Say
) -> None:
    [first] = await real_talk(msg("宅基地被占了怎么办"))
    [second] = await real_talk(msg("老板欠我工钱不给怎么办", at=later(600)))
    assert len(first.text.splitlines()) <= 5
    assert "不构成" in first.text
    assert "12348" in first.text
    assert "不构成" not in second.text
    assert "12348" not in second.text
    [other] = await real_talk(msg("老板欠我工钱不给怎么办", sender="lisi", name="李四"))
    assert "不构成" in other.text  # once per person, not once per group


async def test_a_long_alert_is_split_numbered_in_order(
    db: Database, settings: Settings, dispatcher: Dispatcher, msg: Say
) -> None:
    limited = settings.model_copy(deep=True)
    limited.conversation.message_chars = {"test": 500}
    transport = RecordingTransport()
    talk = Talk(
        Dispatcher(db, limited, village_language(), all_routers()),
        OutboxRelay(db, ["test"], transport),
        transport,
    )
    body = "有人要跳楼，" + "情况是这样的。" * 430  # about 3,000 characters
    said = await talk(msg(body))
    alert = [m for m in said if m.target.id == COUNSEL_WX]
    assert len(alert) >= 6
    assert all(len(m.text) <= 500 for m in alert)
    assert [m.text.split(" ", 1)[0] for m in alert] == [
        f"({n}/{len(alert)})" for n in range(1, len(alert) + 1)
    ]
    assert "".join(m.text.split(" ", 1)[1] for m in alert).count("情况是这样的") >= 400
