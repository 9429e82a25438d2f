"""Issue 10, "bad input replies": no counsel command meets silence, no villager sees an
operator's instruction, and a mistyped village name gets a suggestion."""

from __future__ import annotations

from handlers.ports import Target
from tests.handlers.conftest import COUNSEL_WX, Say, Talk


async def test_an_unknown_ticket_number_is_answered_privately(talk: Talk, msg: Say) -> None:
    [note] = await talk(msg("#999 已处理", sender=COUNSEL_WX, name="陈明远"))
    assert note.target == Target.person(COUNSEL_WX)
    assert "#999" in note.text


async def test_a_mention_of_nobody_with_a_question_is_answered_privately(
    talk: Talk, msg: Say
) -> None:
    [note] = await talk(msg("@不存在的人 先找村委会", sender=COUNSEL_WX, name="陈明远"))
    assert note.target == Target.person(COUNSEL_WX)
    assert "@不存在的人" in note.text


async def test_a_plain_counsel_message_is_still_left_alone(talk: Talk, msg: Say) -> None:
    assert await talk(msg("宅基地确权的政策大家可以看看", sender=COUNSEL_WX)) == []


async def test_a_mistyped_village_gets_a_suggestion_not_an_operator_command(
    talk: Talk, msg: Say
) -> None:
    [reply] = await talk(msg("我的律师 南港村", group=None))
    assert "南岗村" in reply.text
    assert "vcbot" not in reply.text
