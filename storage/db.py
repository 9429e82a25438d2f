"""Engines and sessions: SQLite (embedded default, WAL) or PostgreSQL from one URL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast

import aiosqlite
from pydantic_core import PydanticUndefined
from sqlalchemy import (
    BindParameter,
    Column,
    Connection,
    Engine,
    Executable,
    Table,
    bindparam,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DatabaseURLError
from storage.line import Held, Line
from storage.turn import Rider, Turn

Session: TypeAlias = AsyncSession
"""The session the services take: layers above storage name it by this alias, so that only
storage knows the ORM (an import contract keeps sqlmodel and sqlalchemy out of handlers)."""

Executor: TypeAlias = AsyncSession | AsyncConnection | Held
"""What prebuilt statements run on: a session, a connection, or a transaction on the line."""
T = TypeVar("T")

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


IMMEDIATE = "vcbot_sqlite_immediate"  # execution option: take SQLite's write lock at BEGIN
READ_ONLY = "vcbot_read_only"  # session.info key: the session of Database.read()


BUSY_TIMEOUT_MS = 5000
SQLITE_BUSY = 5  # SQLite's result code (the low byte of the extended codes)

SQLITE_PRAGMAS = (
    "journal_mode=WAL",  # readers never block the writer; one fsync per commit, no journal copy
    # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits at a power cut, and a
    # lost "sent" mark means a message sent twice; the outbox promises at most once
    "synchronous=FULL",
    "foreign_keys=ON",
    f"busy_timeout={BUSY_TIMEOUT_MS}",  # a second writer waits for the lock instead of failing
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
    processes never both read and then fail to upgrade to writing: one waits instead.

    A write transaction then runs its statements on the event loop's own thread (see
    :class:`LoopConnection`); any other transaction keeps to the connection's thread."""
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    driver = getattr(conn.connection.dbapi_connection, "_connection", None)
    if immediate and isinstance(driver, LoopConnection) and driver.begin_at_once():
        return
    cursor = conn.connection.cursor()  # the driver's own: BEGIN is no query to count or log
    cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    cursor.close()
    if immediate and isinstance(driver, LoopConnection):
        driver.on_loop = True


def _sqlite_end(conn: Connection) -> None:
    """At COMMIT or ROLLBACK the connection's calls go back to its thread (so COMMIT,
    which waits for the disk, runs there)."""
    _off_loop(conn.connection.dbapi_connection)


def _off_loop(dbapi_connection: Any, *_: Any) -> None:
    driver = getattr(dbapi_connection, "_connection", None)
    if isinstance(driver, LoopConnection):
        driver.on_loop = False


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs a write transaction's statements on the event
    loop's thread (issue 12).

    aiosqlite hands every call to the connection's own thread and back: two thread
    switches, about 0.2 ms, for a statement SQLite runs in a few microseconds, so a chat
    message's dozen statements cost milliseconds of handing over. Inside a write
    transaction nothing waits: BEGIN IMMEDIATE already holds SQLite's write lock, and WAL
    readers never block. So its statements run in place, while the two calls that may
    wait stay on the connection's thread, where waiting blocks nobody else: BEGIN
    IMMEDIATE (for another writer's lock, up to the busy timeout) and COMMIT (for the
    disk's fsync). Reads outside a write transaction (reports, pages) keep to the thread
    too: a long report must not stall the loop.
    """

    on_loop = False

    def begin_at_once(self) -> bool:
        """BEGIN IMMEDIATE in place when the write lock is free; False (nothing begun)
        when another connection holds it: then BEGIN goes to the thread, to wait there."""
        connection = self._connection
        if connection is None:
            return False
        connection.execute("PRAGMA busy_timeout=0")
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if err.sqlite_errorcode & 0xFF != SQLITE_BUSY:
                raise
            return False
        finally:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.on_loop = True
        return True

    async def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE: in place when the write lock is free, else on the thread,
        waiting there for it (up to the busy timeout); later statements run in place."""
        if not self.begin_at_once():
            await self._execute(self._conn.execute, "BEGIN IMMEDIATE")
            self.on_loop = True

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` in place inside a write transaction, and wherever it cannot wait;
        else on the thread."""
        connection = self._connection
        if connection is not None and (
            (self.on_loop and not _waits(fn)) or _never_waits(fn, connection)
        ):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    async def fetch(self, sql: str, values: Any) -> tuple[list[Any], int]:
        """Run one statement and fetch its rows in one call (for
        :class:`storage.prepared.Prepared`): in place inside a write transaction, else
        one hand-over to the thread instead of three (execute, fetch, close)."""
        if self._connection is not None and self.on_loop:
            return _fetch(self._connection, sql, values)
        result: tuple[list[Any], int] = await self._execute(_fetch, self._conn, sql, values)
        return result


def _fetch(connection: sqlite3.Connection, sql: str, values: Any) -> tuple[list[Any], int]:
    cursor = connection.execute(sql, values)
    try:
        return cursor.fetchall(), cursor.rowcount
    finally:
        cursor.close()


def _never_waits(fn: Callable[..., Any], connection: sqlite3.Connection) -> bool:
    """Calls that touch neither the disk nor a lock, whatever the transaction: making or
    closing a cursor, and ending a transaction that is not open (the pool's reset after
    every COMMIT). Each went to the thread and back: two of a transaction's four hand-offs
    and two of a read's four (issue 12)."""
    name = getattr(fn, "__name__", "")
    owner = getattr(fn, "__self__", None)
    if owner is connection:
        return name == "cursor" or (name in {"rollback", "commit"} and not owner.in_transaction)
    return name == "close" and isinstance(owner, sqlite3.Cursor)


def _waits(fn: Callable[..., Any]) -> bool:
    """COMMIT waits for the disk's fsync: it keeps to the connection's thread."""
    return getattr(fn, "__name__", "") == "commit"


def _loop_connection(path: str) -> Callable[[], Awaitable[LoopConnection]]:
    """The ``async_creator`` of a SQLite file's engine: a :class:`LoopConnection` whose
    sqlite3 connection may be used from the loop's thread as well as its own."""

    async def connect() -> LoopConnection:
        connection = LoopConnection(
            lambda: sqlite3.connect(path, check_same_thread=False), iter_chunk_size=64
        )
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        await connection  # starts its thread and opens the file there
        return connection

    return connect


WRITES = "vcbot_roster_writes"  # connection info: statements that may have changed the roster


def count_write(info: dict[str, Any]) -> None:
    """Note in a connection's ``info`` that a statement may have changed the roster (and
    so its token: see :mod:`storage.roster_cache`)."""
    info[WRITES] = info.get(WRITES, 0) + 1


def _count_writes(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
    """Every statement other than a SELECT may have changed the roster: the roster cache
    reads its token again after one (:mod:`storage.roster_cache`)."""
    if not statement.startswith("SELECT"):
        count_write(conn.info)


def _sqlite_events(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    event.listen(engine, "commit", _sqlite_end)
    event.listen(engine, "rollback", _sqlite_end)
    event.listen(engine.pool, "checkin", _off_loop)  # however a transaction ended


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
        path = target.database
        creator = (
            {} if not path or path == ":memory:" else {"async_creator": _loop_connection(path)}
        )
        engine = create_async_engine(target, **creator)
        _sqlite_events(engine.sync_engine)
    else:
        # 10 kept open, 10 more at a peak: an overflow connection is closed after use, and
        # opening one costs more than the public page itself (issue 12)
        engine = create_async_engine(target, pool_pre_ping=True, pool_size=10, max_overflow=10)
    event.listen(engine.sync_engine, "before_cursor_execute", _count_writes)
    return engine


class Database:
    """One async engine and its session factory; services open transactions through it."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self.engine = make_async_engine(url)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writing = self.engine.execution_options(**{IMMEDIATE: True})
        self._writers = async_sessionmaker(
            self._writing,
            class_=AsyncSession,
            expire_on_commit=False,
        )
        glancing = self.engine
        if not is_sqlite(self.url):
            glancing = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._glances = async_sessionmaker(glancing, class_=AsyncSession, expire_on_commit=False)
        target = async_url(url)
        self._sqlite_file = is_sqlite(target) and target.database not in (None, "", ":memory:")
        self._turn = Turn(BUSY_TIMEOUT_MS / 1000, self._riders_alone)
        memory = is_sqlite(target) and not self._sqlite_file
        self.line = None if memory else Line(target, self.engine.dialect)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error
        (on SQLite it holds the write lock from its start, see :func:`_sqlite_begin`).

        On a SQLite file it also carries the riders waiting for the write turn
        (:meth:`ride`): their work runs after the session's, before its COMMIT."""
        async with (
            self._write_turn(),
            self._writers() as session,
            self._carrying(session.begin(), session),
        ):
            yield session

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[AsyncConnection | Held]:
        """A write transaction like :meth:`transaction`'s, for prebuilt statements only
        (:class:`storage.prepared.Prepared`), on the database's :class:`Line`: no ORM
        session, no pool (issue 12: the relay's claims and marks). An in-memory SQLite
        database, which a second connection would not see, gets a pooled connection."""
        if self.line is None:
            async with self._write_turn(), self._writing.begin() as connection:
                yield connection
            return
        async with self._write_turn(), self._carrying(self.line.transaction()) as held:
            yield held

    async def ride(self, work: Callable[[Executor], Awaitable[T]]) -> T:
        """Run ``work`` (prebuilt statements only, a few) in a write transaction and
        return what it returned once that transaction committed.

        When no writer of this process holds the SQLite write turn, that is a
        transaction of its own, begun at once. Otherwise ``work`` rides the holder's
        transaction, or the next writer's (:mod:`storage.turn`): under load the relay's
        claims and marks cost no transaction and no fsync of their own (issue 12).
        On PostgreSQL (row locks, no turn) it is always a transaction of its own."""
        if not self._sqlite_file or not self._turn.busy():
            async with self.statements() as on:
                return await work(on)
        result: T = await self._turn.wait_for_holder(work)
        return result

    @asynccontextmanager
    async def _carrying(
        self, begun: AbstractAsyncContextManager[Any], on: Executor | None = None
    ) -> AsyncIterator[Any]:
        """``begun``'s transaction, run with the turn held, which runs the waiting riders
        on ``on`` (else on what ``begun`` gives) after the caller's work, before its
        COMMIT; they are handed their results after the COMMIT, and put back to wait
        again if the transaction fails."""
        riders: list[Rider] = []
        try:
            async with begun as entered:
                target = entered if on is None else on
                yield target
                if self._sqlite_file:
                    riders = self._turn.take()
                    await self._turn.run(riders, target)
        except BaseException:
            self._turn.put_back(riders)
            raise
        self._turn.deliver(riders)

    async def _riders_alone(self) -> None:
        """The turn was let go with riders waiting and nobody took it: a transaction of
        their own (if they are still waiting once the turn is held). If it fails, they
        are told so rather than left waiting for a writer that may never come."""
        try:
            async with self._write_turn():
                if not self._turn.waiting():
                    return
                assert self.line is not None  # riders wait only on a SQLite file
                async with self._carrying(self.line.transaction()):
                    pass
        except Exception as err:
            self._turn.fail(err)

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """On SQLite, this process's writers take turns before asking for SQLite's lock.

        SQLite lets one writer in at a time; a second one waits in SQLite's busy
        handler, which sleeps 1, 2, 5, 10 … 100 ms between tries, so a writer could
        sleep long after the lock was free (issue 12: the relay behind a batch of
        messages). Within the process they queue here instead and go in as soon as the
        one before has committed; other processes still wait in SQLite, as before. A
        turn not given within the busy timeout fails as SQLite would."""
        if not self._sqlite_file:
            yield
            return
        async with self._turn.held():
            yield

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (marked so: a service may then spread independent reads
        over other connections, which would not see a writer's uncommitted rows)."""
        async with self._sessions() as session:
            session.info[READ_ONLY] = True
            yield session

    @asynccontextmanager
    async def glance(self) -> AsyncIterator[AsyncSession]:
        """A session for a few reads that need not agree with each other, each seeing what
        is committed when it runs: on PostgreSQL it opens no transaction, which saves the
        BEGIN and the ROLLBACK, two of a public card's five round trips (issue 12); on
        SQLite it is :meth:`read`."""
        async with self._glances() as session:
            session.info[READ_ONLY] = True
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection, and the line."""
        if self.line is not None:
            await self.line.close()
        await self.engine.dispose()


async def fetch_rows(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """The rows of a query of plain columns (with ``params`` for its bound parameters),
    on the session's connection: no ORM objects, for reads that need sums and a few
    columns, never whole rows (issue 12)."""
    connection = await session.connection()
    return list((await connection.execute(stmt, params)).all())


def param(column: Any, name: str | None = None) -> BindParameter[Any]:
    """A bound parameter typed like ``column`` (an ORM attribute), named after it unless
    ``name`` says otherwise: for statements built once and run with values (issue 12),
    where a TypeDecorator such as AwareDateTime must still see every value."""
    attribute: Any = col(column)  # an InstrumentedAttribute: its key and its type
    return bindparam(name or attribute.key, type_=attribute.type)


def table_of(model: type[Any]) -> Table:
    """The Core table of an ORM model: an insert on the table runs as Core, where one on
    the entity with a dict of values takes the ORM's bulk path (issue 12: three times the
    cost of the statement itself)."""
    return cast(Table, inspect(model).local_table)


def model_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The defaults of ``model``'s fields that have one, made fresh (a ``default_factory``
    is called each time): the values a new row takes unless given. Building the model
    object for them cost 0.17 ms a row (issue 12)."""
    made: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            made[name] = field.default_factory()  # type: ignore[call-arg]
        elif field.default is not PydanticUndefined:
            made[name] = field.default
    return made


@cache
def insert_columns(model: type[SQLModel]) -> tuple[str, ...]:
    """The columns a new row of ``model`` is inserted with: all but its primary key,
    which the database numbers."""
    return tuple(c.key for c in table_of(model).columns if not c.primary_key)


def insert_params(model: type[SQLModel]) -> dict[str, BindParameter[Any]]:
    """The bound parameters of a prebuilt insert of ``model``, one per inserted column."""
    return {name: param(getattr(model, name)) for name in insert_columns(model)}


def new_row(model: type[SQLModel], given: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a new row of ``model`` for a prebuilt insert: ``given``, and the
    model's defaults for the rest (as building the model object would give them)."""
    values = model_defaults(model) | dict(given)
    return {name: values[name] for name in insert_columns(model)}


M = TypeVar("M", bound=SQLModel)


def columns_of(model: type[SQLModel]) -> tuple[Column[Any], ...]:
    """A model's columns in its table's order: the select list of :func:`detached`."""
    return tuple(table_of(model).columns)


def detached(model: type[M], row: Sequence[Any]) -> M:
    """An object of ``model`` from the columns of :func:`columns_of` (a prebuilt
    statement's row), as if loaded by a session and then detached (SQLAlchemy's
    ``make_transient_to_detached``): for reading; the ORM's loading cost 0.2–0.4 ms a
    row more (issue 12)."""
    names = [c.key for c in table_of(model).columns]
    made = model(**dict(zip(names, row, strict=True)))
    make_transient_to_detached(made)
    return made
