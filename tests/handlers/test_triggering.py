"""Issue 10, over-triggering, with its own inputs and the real classifier: a notice to
everyone is never a question, and asking about the counsel shows the card."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Question
from tests.handlers.conftest import Say, Talk


async def tickets(db: Database) -> int:
    async with db.read() as s:
        return len(list(await s.exec(select(Question))))


async def test_a_notice_to_everyone_opens_no_ticket(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    said = await real_talk(
        msg(
            "@所有人 明天上午九点在村委会开会，讨论土地流转的事，请各户派一人参加",
            name="村干部老刘",
        )
    )
    assert said == []
    assert await tickets(db) == 0


@pytest.mark.parametrize(
    "text", ["律师什么时候来村里", "律师电话多少", "我们村的法律顾问是谁", "联系方式"]
)
async def test_asking_about_the_counsel_shows_the_card(
    real_talk: Talk, db: Database, msg: Say, text: str
) -> None:
    [reply] = await real_talk(msg(text))
    assert "南岗村法律顾问联系卡" in reply.text
    assert await tickets(db) == 0


async def test_a_question_that_names_a_lawyer_is_still_a_question(
    real_talk: Talk, db: Database, msg: Say
) -> None:
    [reply] = await real_talk(msg("我想找律师打官司要回工钱，律师费怎么算"))
    assert "已登记" in reply.text
    assert await tickets(db) == 1


async def test_a_complaint_that_mentions_the_phone_is_not_a_card_request(
    real_talk: Talk, msg: Say
) -> None:
    said = await real_talk(msg("律师不回消息，打电话也不接"))
    assert all("联系卡" not in m.text for m in said)
