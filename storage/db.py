"""Engines and sessions: SQLite (embedded default, WAL) or PostgreSQL from one URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DatabaseURLError

Session: TypeAlias = AsyncSession
"""The session the services take: layers above storage name it by this alias, so that only
storage knows the ORM (an import contract keeps sqlmodel and sqlalchemy out of handlers)."""

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _normalise(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in drivers:
        raise DatabaseURLError(f"不支持的数据库 {backend!r}：请用 sqlite:///路径 或 postgresql://…")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str | URL) -> URL:
    """The URL with the async driver of its backend (aiosqlite / psycopg)."""
    return _normalise(url, _ASYNC_DRIVERS)


def sync_url(url: str | URL) -> URL:
    """The URL with the sync driver of its backend (for Alembic and the job store)."""
    return _normalise(url, _SYNC_DRIVERS)


def is_sqlite(url: str | URL) -> bool:
    """True when the URL points to SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str | URL) -> None:
    """Create the folder of a SQLite file (only ``vcbot db upgrade`` creates a database)."""
    target = make_url(url)
    if is_sqlite(target) and target.database and target.database != ":memory:":
        Path(target.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_file_missing(url: str | URL) -> bool:
    """True when ``url`` names a SQLite file that does not exist (yet)."""
    target = make_url(url)
    if not is_sqlite(target) or not target.database or target.database == ":memory:":
        return False
    return not Path(target.database).exists()


IMMEDIATE = "vcbot_sqlite_immediate"
READ_ONLY = "vcbot_read_only"  # session.info key: the session of Database.read()  # execution option: take SQLite's write lock at BEGIN


SQLITE_PRAGMAS = (
    "journal_mode=WAL",  # readers never block the writer; one fsync per commit, no journal copy
    # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits at a power cut, and a
    # lost "sent" mark means a message sent twice; the outbox promises at most once
    "synchronous=FULL",
    "foreign_keys=ON",
    "busy_timeout=5000",  # a second process waits for the write lock instead of failing
    "cache_size=-32000",  # 32 MB of page cache per connection (the default is 2 MB)
    "temp_store=MEMORY",  # sorts and GROUP BYs of reports spill to memory, not a temp file
    "mmap_size=268435456",  # reads through the page cache of the OS; writes are unaffected
)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL, foreign keys, a busy timeout, and no transaction handling of the driver's own.

    pysqlite (and aiosqlite over it) begins transactions late and commits on its own
    around SAVEPOINTs, so a nested savepoint's release could commit the outer work.
    With ``isolation_level = None`` the driver stays out, and :func:`_sqlite_begin`
    emits BEGIN itself: SQLAlchemy's documented recipe for real SQLite transactions.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN; a write transaction takes the write lock at once (BEGIN IMMEDIATE), so two
    processes never both read and then fail to upgrade to writing: one waits instead."""
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    cursor = conn.connection.cursor()  # the driver's own: BEGIN is no query to count or log
    cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    cursor.close()


def _sqlite_events(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)


def make_sync_engine(url: str | URL) -> Engine:
    """A sync engine (migrations, job store); SQLite gets WAL, foreign keys, real BEGINs."""
    target = sync_url(url)
    engine = create_engine(target, pool_pre_ping=not is_sqlite(target))
    if is_sqlite(target):
        _sqlite_events(engine)
    return engine


def make_async_engine(url: str | URL) -> AsyncEngine:
    """The async engine the services use; SQLite gets WAL, foreign keys, real BEGINs."""
    target = async_url(url)
    if is_sqlite(target):
        engine = create_async_engine(target)
        _sqlite_events(engine.sync_engine)
        return engine
    # 10 kept open, 10 more at a peak: an overflow connection is closed after use, and
    # opening one costs more than the public page itself (issue 12)
    return create_async_engine(target, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """One async engine and its session factory; services open transactions through it."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self.engine = make_async_engine(url)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writers = async_sessionmaker(
            self.engine.execution_options(**{IMMEDIATE: True}),
            class_=AsyncSession,
            expire_on_commit=False,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error
        (on SQLite it holds the write lock from its start, see :func:`_sqlite_begin`)."""
        async with self._writers() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (marked so: a service may then spread independent reads
        over other connections, which would not see a writer's uncommitted rows)."""
        async with self._sessions() as session:
            session.info[READ_ONLY] = True
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def fetch_rows(session: AsyncSession, stmt: Executable) -> list[Any]:
    """The rows of a query of plain columns, on the session's connection: no ORM objects,
    for reads that need sums and a few columns, never whole rows (issue 12)."""
    connection = await session.connection()
    return list((await connection.execute(stmt)).all())
