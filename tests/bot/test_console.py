"""The console channel's line format."""

from __future__ import annotations

import io

import pytest

from bot.channels.console import ConsoleLineError, ConsoleParser, ConsoleTransport
from handlers.ports import OutgoingMessage, Target

PARSER = ConsoleParser("法律顾问助手")


def test_group_line_is_parsed() -> None:
    m = PARSER.parse("张三@南岗村群: 我家宅基地被占了怎么办")
    assert (m.sender_id, m.sender_name, m.group_id) == ("张三", "张三", "南岗村群")
    assert m.text == "我家宅基地被占了怎么办"
    assert m.sent_at.tzinfo is not None
    assert m.message_id


def test_full_width_colon_and_private_line() -> None:
    m = PARSER.parse("李四：你好")
    assert m.group_id is None
    assert m.text == "你好"


def test_mention_of_the_bot_is_detected_and_removed() -> None:
    m = PARSER.parse("张三@南岗村群: @法律顾问助手 在吗")
    assert m.mentions_bot
    assert m.text == "在吗"


def test_other_mentions_are_kept_as_ids() -> None:
    m = PARSER.parse("wx_chen@南岗村群: @张三 先找村委会")
    assert m.mentioned_ids == ("张三",)
    assert not m.mentions_bot


@pytest.mark.parametrize("line", ["没有冒号的一行", "张三@南岗村群:   ", ": 内容"])
def test_bad_line_says_the_right_form(line: str) -> None:
    with pytest.raises(ConsoleLineError, match="发送者@群: 内容"):
        PARSER.parse(line)


async def test_transport_prints_group_and_private_lines() -> None:
    out = io.StringIO()
    t = ConsoleTransport(out)
    await t.deliver(OutgoingMessage(Target.group("南岗村群"), "第一行\n第二行"))
    await t.deliver(OutgoingMessage(Target.person("张三"), "好的"))
    assert out.getvalue() == ">> 南岗村群: 第一行\n   第二行\n>> 私聊 张三: 好的\n"
