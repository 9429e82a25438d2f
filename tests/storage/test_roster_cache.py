"""The chat path's roster lookups kept in memory (issue 12): the roster's token changes
with every change to a roster table, in the changing transaction; a lookup answers from
memory only under the token it was read under. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from config import Settings
from storage import roster_cache
from storage.db import Database, Session
from storage.models import ROSTER_TABLES, Counsel, Village
from storage.services import directory
from tests.ledger_data import load_roster

DAY = date(2026, 12, 1)
# one statement per roster table that changes a row and changes it back
CHANGES = {
    "county": "UPDATE county SET city = city",
    "town": "UPDATE town SET name = name",
    "village": "UPDATE village SET name = name",
    "counsel": "UPDATE counsel SET name = name",
    "assignment": 'UPDATE assignment SET "end" = "end"',
    "chatgroup": "UPDATE chatgroup SET village_id = village_id",
}


def test_every_roster_table_has_a_change_here() -> None:
    assert set(CHANGES) == ROSTER_TABLES


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """The shared roster (L1 serves V1), with group 南岗村群 bound to V1."""
    await load_roster(db, settings)
    async with db.transaction() as session:
        await directory.bind_group(session, "南岗村群", "V1", actor="test")
    return db


class _Rollback(Exception):
    pass


async def rolled_back(db: Database, work: Callable[[Session], Awaitable[object]]) -> None:
    """Do ``work`` in a transaction that is then rolled back."""
    try:
        async with db.transaction() as session:
            await work(session)
            raise _Rollback
    except _Rollback:
        return


async def token(session: Session) -> str:
    return str((await session.exec(text("SELECT token FROM rosterversion"))).one()[0])  # type: ignore[call-overload]


@pytest.mark.parametrize("table", sorted(CHANGES))
async def test_a_change_to_any_roster_table_changes_the_token(roster: Database, table: str) -> None:
    async with roster.read() as session:
        before = await token(session)
    async with roster.transaction() as session:
        await session.exec(text(CHANGES[table]))  # type: ignore[call-overload]
        inside = await token(session)
    async with roster.read() as session:
        after = await token(session)
    assert inside != before  # the changing transaction sees it at once
    assert after == inside


async def test_a_rolled_back_change_leaves_the_token(roster: Database) -> None:
    async with roster.read() as session:
        before = await token(session)
    await rolled_back(roster, lambda s: s.exec(text(CHANGES["counsel"])))  # type: ignore[call-overload]
    async with roster.read() as session:
        assert await token(session) == before


async def test_lookups_are_kept_until_the_roster_changes(roster: Database) -> None:
    async with roster.transaction() as session:
        first = await directory.village_of_group(session, "南岗村群")
        hits, misses = roster_cache.counts(session)
        again = await directory.village_of_group(session, "南岗村群")
        assert roster_cache.counts(session) == (hits + 1, misses)
    assert first is again
    assert again is not None
    assert again.id == "V1"
    async with roster.transaction() as session:  # rebound elsewhere: seen at once
        await directory.bind_group(session, "南岗村群", "V2", actor="test", force=True)
    async with roster.transaction() as session:
        moved = await directory.village_of_group(session, "南岗村群")
    assert moved is not None
    assert moved.id == "V2"


async def test_a_transaction_sees_its_own_change_and_a_rollback_undoes_it(
    roster: Database,
) -> None:
    async def rebind(session: Session) -> None:
        await directory.bind_group(session, "南岗村群", "V2", actor="t", force=True)
        mine = await directory.village_of_group(session, "南岗村群")  # flushed first
        assert mine is not None
        assert mine.id == "V2"

    await rolled_back(roster, rebind)
    async with roster.transaction() as session:
        back = await directory.village_of_group(session, "南岗村群")
    assert back is not None
    assert back.id == "V1"


async def test_a_change_by_another_writer_is_seen(roster: Database, db_url: str) -> None:
    async with roster.transaction() as session:
        found = await directory.counsel_by_chat_id(session, "wx_new")
    assert found is None  # kept: nobody has that chat id
    other = Database(db_url)  # another process's engine, say
    try:
        async with other.transaction() as session:
            counsel = await session.get(Counsel, "L1")
            assert counsel is not None
            counsel.wechat = "wx_new"
            session.add(counsel)
    finally:
        await other.dispose()
    async with roster.transaction() as session:
        found = await directory.counsel_by_chat_id(session, "wx_new")
        serving = await directory.counsel_of_village(session, "V1", DAY)
    assert found is not None
    assert found.id == "L1"
    assert [c.wechat for c in serving if c.id == "L1"] == ["wx_new"]


async def test_kept_objects_outlive_a_rollback_and_lists_are_the_callers_own(
    roster: Database,
) -> None:
    kept: list[object] = []

    async def look(session: Session) -> None:
        kept.append(await directory.village_of_group(session, "南岗村群"))
        kept.append(await directory.counsel_of_village(session, "V1", DAY))

    await rolled_back(roster, look)
    village, serving = kept
    assert isinstance(village, Village)
    assert isinstance(serving, list)
    assert village is not None
    assert village.name
    serving.clear()
    async with roster.transaction() as session:
        assert await directory.counsel_of_village(session, "V1", DAY)


async def test_without_the_token_row_nothing_is_kept(roster: Database) -> None:
    async with roster.transaction() as session:
        await session.exec(text("DELETE FROM rosterversion"))  # type: ignore[call-overload]
    async with roster.transaction() as session:
        hits, misses = roster_cache.counts(session)
        await directory.village_of_group(session, "南岗村群")
        await directory.village_of_group(session, "南岗村群")
        assert roster_cache.counts(session) == (hits, misses)
        await directory.bind_group(session, "南岗村群", "V2", actor="t", force=True)
        moved = await directory.village_of_group(session, "南岗村群")
    assert moved is not None
    assert moved.id == "V2"


async def test_the_token_is_read_once_a_transaction_until_something_is_written(
    roster: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = [0]
    real = roster_cache._TOKEN.first

    async def counted(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(roster_cache._TOKEN, "first", counted)
    async with roster.transaction() as session:
        await directory.village_of_group(session, "南岗村群")
        await directory.counsel_by_chat_id(session, "wx_nobody")
        await directory.counsel_of_village(session, "V1", DAY)
        assert reads == [1]
        # a change through the session's own connection, not the ORM: seen too
        connection = await session.connection()
        await connection.execute(
            text("UPDATE chatgroup SET village_id = 'V2' WHERE id = '南岗村群'")
        )
        moved = await directory.village_of_group(session, "南岗村群")
        assert reads == [2]
    assert moved is not None
    assert moved.id == "V2"
