"""Statements built once with parameters, and rows inserted as Core (issue 12): the column
types still check every value, and a new row gets its model's defaults."""

from __future__ import annotations

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
