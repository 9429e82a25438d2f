"""SQLite write transactions run their statements on the event loop's thread (issue 12);
what may wait (BEGIN IMMEDIATE behind another writer, COMMIT) waits off the loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlmodel import select

from storage.db import BUSY_TIMEOUT_MS, Database, LoopConnection, Session
from storage.models import SeenRoom


async def thread_of(session: Session) -> int:
    """The id of the thread that runs the session's statements."""
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.dbapi_connection._connection  # type: ignore[union-attr]
    assert isinstance(driver, LoopConnection)
    driver._conn.create_function("tid", 0, threading.get_ident)
    return int((await session.exec(text("SELECT tid()"))).scalar_one())  # type: ignore[call-overload]


async def test_a_write_transaction_runs_on_the_loop_and_a_read_does_not(
    tmp_path: Path, sqlite_template: Path
) -> None:
    db = Database(f"sqlite:///{copy(sqlite_template, tmp_path)}")
    loop_thread = threading.get_ident()
    async with db.transaction() as session:
        assert await thread_of(session) == loop_thread
    async with db.read() as session:
        assert await thread_of(session) != loop_thread
    async with db.transaction() as session:  # the same pooled connection, back on the loop
        assert await thread_of(session) == loop_thread
    await db.dispose()


async def test_a_writer_waits_for_the_lock_without_stalling_the_loop(
    tmp_path: Path, sqlite_template: Path
) -> None:
    url = f"sqlite:///{copy(sqlite_template, tmp_path)}"
    holder, waiter = Database(url), Database(url)  # two engines: as two processes would be
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def second_writer() -> None:
        async with waiter.transaction() as session:
            session.add(SeenRoom(id="second", topic="t", members=1))

    ticker = asyncio.create_task(tick())
    async with holder.transaction() as session:
        session.add(SeenRoom(id="first", topic="t", members=1))
        await session.flush()  # the write lock is held from here to the commit
        blocked = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not blocked.done()  # it waits for the lock...
        assert ticks >= 10  # ...and the loop goes on meanwhile
    await asyncio.wait_for(blocked, 5)
    ticker.cancel()
    async with holder.read() as session:
        assert sorted(await session.exec(select(SeenRoom.id))) == ["first", "second"]
        timeout = (await session.exec(text("PRAGMA busy_timeout"))).scalar_one()  # type: ignore[call-overload]
    assert timeout == BUSY_TIMEOUT_MS
    await holder.dispose()
    await waiter.dispose()


async def test_a_failed_write_transaction_leaves_the_connection_off_the_loop(
    tmp_path: Path, sqlite_template: Path
) -> None:
    db = Database(f"sqlite:///{copy(sqlite_template, tmp_path)}")
    try:
        async with db.transaction() as session:
            session.add(SeenRoom(id="x", topic="t", members=1))
            await session.flush()
            raise RuntimeError("handler bug")
    except RuntimeError:
        pass
    async with db.read() as session:
        assert await thread_of(session) != threading.get_ident()
        assert list(await session.exec(select(SeenRoom))) == []
    await db.dispose()


def copy(template: Path, folder: Path) -> Path:
    """A migrated database of the test's own."""
    target = folder / "loop.db"
    target.write_bytes(template.read_bytes())
    return target


async def test_only_what_may_wait_goes_to_the_connection_thread(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{copy(sqlite_template, tmp_path)}")
    async with db.read() as session:  # the pool's connection opened before counting
        await session.exec(select(SeenRoom))
    handed: list[str] = []
    to_thread: Any = aiosqlite.Connection._execute  # untyped in aiosqlite

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(fn, "__name__", "?"))
        return await to_thread(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    async with db.transaction() as session:
        session.add(SeenRoom(id="r1", topic="t", members=1))
    assert handed == ["commit"]  # the pool's reset after it ends nothing: in place
    handed.clear()
    async with db.read() as session:
        assert [r.id for r in await session.exec(select(SeenRoom))] == ["r1"]
    # BEGIN, the read, its rows and the ROLLBACK on the thread; the cursor and its
    # closing in place
    assert "cursor" not in handed
    assert "close" not in handed
    assert "execute" in handed
    await db.dispose()
