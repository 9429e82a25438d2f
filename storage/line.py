"""A connection of the driver's own, kept open, for the relay's short write transactions.

Measured here (issue 12), a write transaction through SQLAlchemy's pool and Core
connection costs about 1.1 ms of CPU (checkout, BEGIN, COMMIT, checkin, reset, their
events); the same BEGIN, insert and COMMIT on the driver cost 0.25 ms. The relay claims
and marks in two such transactions per drain, of prebuilt statements only
(:class:`storage.prepared.Prepared`), so it needs none of the ORM or the pool.

A :class:`Line` holds one driver connection (aiosqlite's, as a
:class:`storage.db.LoopConnection`, or psycopg's), opened on first use and opened again
after it broke, and runs one transaction at a time on it: BEGIN IMMEDIATE on SQLite,
psycopg's ``transaction()`` on PostgreSQL; COMMIT on success, ROLLBACK on any error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL, Dialect


class LoopLock:
    """An :class:`asyncio.Lock` per event loop: a database may serve one loop after
    another (each ``asyncio.run`` of the CLI), and a lock belongs to the loop it was
    first awaited in."""

    def __init__(self) -> None:
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def get(self) -> asyncio.Lock:
        """The running loop's lock."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {k: v for k, v in self._locks.items() if not k.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        return lock


@dataclass(frozen=True, slots=True)
class Held:
    """A transaction on a line: what a prebuilt statement runs on."""

    dialect: Dialect
    driver: Any


class Line:
    """One kept driver connection to ``url``'s database, one transaction at a time."""

    def __init__(self, url: URL, dialect: Dialect) -> None:
        self.url = url
        self.dialect = dialect
        self._driver: Any = None
        self.after_commit: list[Callable[[], None]] = []  # called after each COMMIT
        self._lock = LoopLock()

    @property
    def sqlite(self) -> bool:
        """True for a SQLite file."""
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Held]:
        """A write transaction on the line, committed on success, rolled back on error.

        On SQLite the caller holds the process's write turn (see
        :meth:`storage.db.Database.statements`), so the line needs no lock of its own."""
        if self.sqlite:
            async with self._sqlite_transaction() as held:
                yield held
            return
        async with self._lock.get(), self._postgres_transaction() as held:
            yield held

    @asynccontextmanager
    async def _sqlite_transaction(self) -> AsyncIterator[Held]:
        from storage.db import LoopConnection, _loop_connection, _sqlite_connect

        driver = self._driver
        if driver is None or driver._connection is None:  # not yet open, or closed
            assert self.url.database
            driver = await _loop_connection(self.url.database)()
            _sqlite_connect(driver._connection, None)
            self._driver = driver
        assert isinstance(driver, LoopConnection)
        await driver.begin_immediate()
        try:
            yield Held(self.dialect, driver)
        except BaseException:
            await self._end(driver.rollback)
            raise
        await self._end(driver.commit)
        self._committed()

    def _committed(self) -> None:
        for listener in self.after_commit:
            listener()

    async def _end(self, end: Any) -> None:
        """COMMIT or ROLLBACK; a connection that fails at it is dropped (and reopened on
        next use), and the error goes on."""
        try:
            await end()
        except BaseException:
            await self.close()
            raise
        finally:
            if self._driver is not None:
                self._driver.on_loop = False

    @asynccontextmanager
    async def _postgres_transaction(self) -> AsyncIterator[Held]:
        import psycopg

        driver = self._driver
        if driver is None or driver.closed or driver.broken:
            conninfo = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            driver = self._driver = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        try:
            async with driver.transaction():
                yield Held(self.dialect, driver)
            self._committed()
        except psycopg.OperationalError:
            await self.close()  # a broken line is opened again on next use
            raise

    async def close(self) -> None:
        """Close the connection (a later transaction opens a new one)."""
        driver, self._driver = self._driver, None
        if driver is not None:
            try:
                await driver.close()
            except Exception:  # closing a broken connection may fail too: it is gone
                return
