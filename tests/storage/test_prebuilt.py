"""Statements built once with parameters, and rows inserted as Core (issue 12): the column
types still check every value, and a new row gets its model's defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import select

from config import Settings
from storage.columns import NaiveDatetimeError
from storage.db import Database, model_defaults
from storage.models import Fragment, OutboxMessage, Question
from storage.services import questions
from storage.services.questions import NewQuestion
from tests.ledger_data import load_roster


@pytest.fixture
async def demo_db(db: Database, settings: Settings) -> Database:
    """The shared roster (villages V1..), on each backend."""
    await load_roster(db, settings)
    return db


def test_model_defaults_are_fresh_and_leave_out_what_must_be_given() -> None:
    first, second = model_defaults(Question), model_defaults(Question)
    assert first["status"] == "open"
    assert first["intents"] == []
    assert first["intents"] is not second["intents"]  # a default_factory, called each time
    assert first["asked_at"].tzinfo is not None
    assert "village_id" not in first  # required: no default to take
    assert "asker_id" not in first
    assert model_defaults(OutboxMessage)["attempts"] == 0


def new_question(asked_at: datetime) -> NewQuestion:
    return NewQuestion(
        village_id="V1",
        group_id="g",
        asker_id="a1",
        asker_name="张三",
        text="我的电话 13812345678，地被占了怎么办",
        category="land",
        confidence=0.71234,
        intents=["question"],
        asked_at=asked_at,
    )


async def test_a_ticket_inserted_as_core_reads_back_as_the_orm_would_store_it(
    demo_db: Database,
) -> None:
    asked = datetime(2026, 12, 1, 2, 3, 4, tzinfo=UTC)
    async with demo_db.transaction() as session:
        ticket = await questions.open_question(session, new_question(asked))
    async with demo_db.read() as session:
        stored = await session.get(Question, ticket)
    assert stored is not None
    assert stored.status == "open"
    assert stored.asked_at == asked
    assert stored.confidence == 0.712
    assert stored.intents == ["question"]
    assert "13812345678" not in stored.text  # masked before it was stored
    assert stored.answer_text == ""


async def test_a_prebuilt_statement_still_refuses_a_naive_datetime(demo_db: Database) -> None:
    naive = datetime(2026, 12, 1, 2, 3)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(StatementError) as err:
        async with demo_db.transaction() as session:
            await questions.open_question(session, new_question(naive))
    assert isinstance(err.value.orig, NaiveDatetimeError)


async def test_a_kept_line_sweeps_anyones_old_lines_and_is_stored_masked(db: Database) -> None:
    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    async with db.transaction() as s:
        await questions.keep_fragment(s, "G", "old", "早上好", at, window=120)
        await questions.keep_fragment(
            s, "G", "recent", "请问一下", at + timedelta(seconds=100), 120
        )
        await questions.keep_fragment(
            s, "G", "me", "我电话13812345678", at + timedelta(seconds=150), window=120
        )
    async with db.read() as s:
        kept = {f.sender_id: f for f in await s.exec(select(Fragment))}
    assert set(kept) == {"recent", "me"}  # "old" was older than the window: swept
    assert "13812345678" not in kept["me"].text
    assert kept["me"].at == at + timedelta(seconds=150)  # aware, as it went in


async def test_taken_lines_are_used_up_and_others_stay(db: Database) -> None:
    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    async with db.transaction() as s:
        await questions.keep_fragment(s, "G", "me", "我家承包地", at, window=120)
        await questions.keep_fragment(s, "G", "me", "被占了", at + timedelta(seconds=5), 120)
        await questions.keep_fragment(s, "G", "you", "哈哈", at + timedelta(seconds=6), 120)
    async with db.transaction() as s:
        taken = await questions.take_fragments(s, "G", "me", at + timedelta(seconds=9), 120)
    assert taken == ["我家承包地", "被占了"]
    async with db.read() as s:
        assert [f.sender_id for f in await s.exec(select(Fragment))] == ["you"]


async def test_a_line_that_continues_a_ticket_is_appended_masked(demo_db: Database) -> None:
    asked = datetime(2026, 12, 1, 2, 3, 4, tzinfo=UTC)
    later = asked + timedelta(seconds=60)
    async with demo_db.transaction() as session:
        number = await questions.open_question(session, new_question(asked))
    async with demo_db.transaction() as session:
        ticket = await questions.continued_question(session, "g", "a1", later, window=300)
        assert ticket is not None
        assert ticket.id == number
        await questions.add_part(
            session, ticket, "对方电话 13987654321 不接", later, category="homestead"
        )
        # another asker, or the window passed: no ticket to continue
        assert await questions.continued_question(session, "g", "a2", later, 300) is None
        gone = later + timedelta(seconds=301)
        assert await questions.continued_question(session, "g", "a1", gone, 300) is None
    async with demo_db.read() as session:
        stored = await session.get(Question, number)
    assert stored is not None
    first, second = stored.text.split("\n")
    assert "地被占了" in first
    assert "不接" in second
    assert "13987654321" not in second
    assert (stored.category, stored.last_part_at) == ("homestead", later)


async def test_an_answer_closes_tickets_as_prebuilt_statements_and_hands_back_copies(
    demo_db: Database,
) -> None:
    """A counsel's answer (issue 12: the answer path as prebuilt statements): the right
    tickets close in the database, the copies handed back read as the ORM would, and
    the asker's other open tickets are still listed."""
    asked = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    day = asked.date()
    async with demo_db.transaction() as session:
        older = await questions.open_question(session, new_question(asked))
        latest = await questions.open_question(session, new_question(asked + timedelta(minutes=5)))
        other = await questions.open_question(
            session, replace(new_question(asked), asker_id="a2", asker_name="李四")
        )
    when = asked + timedelta(hours=1)
    answer = questions.Answer(
        group_id="g",
        counsel_id="L1",
        when=when,
        today=day,
        askers=["张三", "a1"],  # the name shown and the chat id: the same person, once
        text="可以先调解，电话 13812345678",
    )
    async with demo_db.transaction() as session:
        closed = await questions.answer_questions(session, answer)
        assert [q.id for q in closed] == [latest]  # the asker's latest, one ticket
        waiting = await questions.still_open(session, "g", ["a1", "a2", "a1"])
        assert [q.id for q in waiting] == [older, other]
        assert not await questions.rated_since(session, "a1", asked)
        await questions.mark_rating_asked(session, closed[0], when)
    copy = closed[0]
    assert (copy.status, copy.answered_by, copy.answered_at) == ("answered", "L1", when)
    assert copy.intents == ["question"]
    assert copy.confidence == 0.712  # a float on both backends, read as the ORM reads it
    assert "13812345678" not in copy.answer_text
    async with demo_db.read() as session:
        stored = {q.id: q for q in await session.exec(select(Question))}
    assert stored[latest].status == "answered"
    assert stored[latest].answer_text == copy.answer_text
    assert stored[latest].rating_asked_at == when
    assert stored[older].status == stored[other].status == "open"
    # by number, and only in villages the counsel serves that day
    elsewhere = replace(answer, askers=[], ticket_ids=[older, 999], counsel_id="nobody")
    async with demo_db.transaction() as session:
        assert await questions.answer_questions(session, elsewhere) == []
        numbered = replace(answer, askers=[], ticket_ids=[other, older, other])
        assert [q.id for q in await questions.answer_questions(session, numbered)] == [
            older,
            other,
        ]
