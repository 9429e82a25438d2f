"""Work that rides the next write transaction (issue 12, :mod:`storage.turn`): carried by
the writer holding the SQLite write turn, committed with it, handed its result only
after that COMMIT; put back when the holder fails; run alone when nobody else writes.
On PostgreSQL (no turn) each ride is a transaction of its own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlmodel
from sqlalchemy import exc
from sqlmodel import col

from storage.db import Database, Executor
from storage.models import OutboxMessage
from tests.conftest import commits_of
from tests.storage.test_line import row
from tests.storage.test_prepared import _INSERT


async def texts(db: Database) -> list[str]:
    async with db.read() as session:
        found = await session.exec(sqlmodel.select(col(OutboxMessage.text)))
        return sorted(found)


def insert(text: str, log: list[str] | None = None) -> Any:
    """A rider's work: insert a row named ``text`` (noting when it ran)."""

    async def work(on: Executor) -> str:
        if log is not None:
            log.append(f"{text} runs")
        await _INSERT.first(on, row(text))
        return text

    return work


def sqlite_only(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not one writer at a time: no riders")


async def test_a_ride_on_a_free_turn_is_a_transaction_of_its_own(db: Database) -> None:
    commits = commits_of(db)
    assert await db.ride(insert("一")) == "一"
    assert commits[0] == 1
    assert await texts(db) == ["一"]


async def test_a_ride_while_a_writer_holds_the_turn_commits_with_it(db: Database) -> None:
    sqlite_only(db)
    log: list[str] = []
    commits = commits_of(db)
    async with db.transaction() as session:
        await _INSERT.first(session, row("batch"))
        riding = asyncio.ensure_future(db.ride(insert("relay", log)))
        await asyncio.sleep(0.02)
        assert not riding.done()  # it waits for the holder's work to end
        assert not log
        log.append("batch ends")
    assert log == ["batch ends", "relay runs"]  # after the holder's work, before its COMMIT
    assert await riding == "relay"
    assert commits[0] == 1  # one COMMIT for both
    assert await texts(db) == ["batch", "relay"]


async def test_a_rider_gets_its_result_only_after_the_holders_commit(db: Database) -> None:
    sqlite_only(db)
    seen_at_result: list[list[str]] = []

    async def ride() -> None:
        await db.ride(insert("relay"))
        seen_at_result.append(await texts(db))  # another connection: committed rows only

    async with db.transaction() as session:
        await _INSERT.first(session, row("batch"))
        riding = asyncio.ensure_future(ride())
        await asyncio.sleep(0.02)
    await riding
    assert seen_at_result == [["batch", "relay"]]


async def test_a_failed_holder_puts_its_riders_back_and_they_run_alone(db: Database) -> None:
    sqlite_only(db)
    riding: asyncio.Future[str] | None = None

    async def failing_batch() -> None:
        nonlocal riding
        async with db.transaction() as session:
            await _INSERT.first(session, row("batch"))
            riding = asyncio.ensure_future(db.ride(insert("relay")))
            await asyncio.sleep(0.02)
            raise RuntimeError("the batch fails after its work")

    with pytest.raises(RuntimeError):
        await failing_batch()
    assert riding is not None
    assert await asyncio.wait_for(riding, 5) == "relay"  # ran again, in its own transaction
    assert await texts(db) == ["relay"]


async def test_a_riders_error_is_its_own(db: Database) -> None:
    sqlite_only(db)

    async def broken(on: Executor) -> None:
        await _INSERT.first(on, row("half"))
        await _INSERT.first(on, row("no channel") | {"channel": None})  # NOT NULL: refused

    async with db.transaction() as session:
        await _INSERT.first(session, row("batch"))
        riding = asyncio.ensure_future(db.ride(broken))
        await asyncio.sleep(0.02)
    with pytest.raises(exc.IntegrityError):
        await riding
    # SQLite undid the failed statement alone: the holder's work stands, and so does what
    # the rider did before its error (a rider's statements are each safe to repeat)
    assert await texts(db) == ["batch", "half"]


async def test_riders_that_come_while_the_holder_commits_are_not_left_waiting(
    db: Database,
) -> None:
    sqlite_only(db)
    assert db.line is not None
    late: list[asyncio.Future[str]] = []

    def on_commit() -> None:  # the holder is committing: too late for it to carry these
        if not late:
            late.append(asyncio.ensure_future(db.ride(insert("late"))))

    db.line.after_commit.append(on_commit)
    async with db.statements() as held:
        await _INSERT.first(held, row("holder"))
    assert await asyncio.wait_for(late[0], 5) == "late"  # nobody else wrote: alone
    assert await texts(db) == ["holder", "late"]


async def test_a_rider_given_up_before_it_ran_is_not_run(db: Database) -> None:
    sqlite_only(db)
    async with db.transaction() as session:
        await _INSERT.first(session, row("batch"))
        riding = asyncio.ensure_future(db.ride(insert("given up")))
        await asyncio.sleep(0.02)
        riding.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await riding
    assert await texts(db) == ["batch"]
