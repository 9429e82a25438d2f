"""The relay's kept driver connection (issue 12): its transactions commit or roll back
whole, a broken connection is opened again, and on SQLite the writers of one process
take turns. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
import sqlmodel
from sqlmodel import col

from storage.db import Database, new_row
from storage.line import Held
from storage.models import OutboxMessage
from tests.storage.test_prepared import _INSERT


def row(text: str) -> dict[str, object]:
    given = {"channel": "c", "target_kind": "group", "target_id": "g", "text": text}
    return new_row(OutboxMessage, given)


async def texts(db: Database) -> list[str]:
    async with db.read() as session:
        return list(await session.exec(sqlmodel.select(col(OutboxMessage.text))))


async def test_a_transaction_on_the_line_commits_or_rolls_back_whole(db: Database) -> None:
    assert db.line is not None
    async with db.statements() as held:
        await _INSERT.first(held, row("一"))

    async def broken() -> None:
        async with db.statements() as held:
            await _INSERT.first(held, row("二"))
            raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        await broken()
    assert await texts(db) == ["一"]


async def test_a_closed_line_is_opened_again(db: Database) -> None:
    assert db.line is not None
    async with db.statements() as held:
        await _INSERT.first(held, row("一"))
    assert isinstance(held, Held)
    await held.driver.close()  # the connection went away under the line
    async with db.statements() as held:
        await _INSERT.first(held, row("二"))
    assert await texts(db) == ["一", "二"]


async def test_writers_of_one_process_take_turns_on_sqlite(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not one writer at a time")
    order: list[str] = []

    async def relay() -> None:
        async with db.statements() as held:
            order.append("relay in")
            await _INSERT.first(held, row("relay"))

    async with db.transaction() as session:
        await _INSERT.first(session, row("batch"))
        waiting = asyncio.ensure_future(relay())
        await asyncio.sleep(0.05)
        assert not order  # its turn comes after this transaction
        order.append("batch commits")
    await waiting
    assert order == ["batch commits", "relay in"]
    assert sorted(await texts(db)) == ["batch", "relay"]
