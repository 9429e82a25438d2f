"""Statements of the chat path compiled once and run on the driver's own connection.

Issue 12 asks for 1,000 chat messages a second in one process. Profiled, a prebuilt
statement run through SQLAlchemy's session costs 190–390 µs of CPU on this machine (the
session's execute, the compiled-cache lookup, the execution context, the result and,
for an entity, the ORM's loading); SQLite itself runs it in 10–15 µs. A message of
the chat path runs a dozen of them.

A :class:`Prepared` keeps what SQLAlchemy's execution works out anew each time: the SQL
string of its backend, the order of its parameters and the type processors of its
parameters and columns, all taken from SQLAlchemy's own compiler and types. It runs on
the connection the session's transaction holds (in that transaction: same BEGIN, same
savepoints, same COMMIT), through the driver (sqlite3 or psycopg), and applies the
types' processors itself, so an aware datetime or a JSON list reads and writes as it
does through the ORM. A driver error is raised as SQLAlchemy's ``DBAPIError`` of it and
a value a type refuses (a naive datetime) as its ``StatementError``, as the session
would.

What it does not do: ``expanding`` parameters (an ``IN`` over a list; a statement is
built per length instead), events (``before_cursor_execute`` listeners do not see these
statements) and the engine's SQL echo.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ClauseElement, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Executor, count_write
from storage.line import Held
from storage.models import ROSTER_TABLES

Row = tuple[Any, ...]
Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as one backend runs it: SQL, parameter order, processors."""

    sql: str
    names: tuple[str, ...]  # the statement's parameters (more may be given: ignored)
    positional: tuple[str, ...] | None  # the parameters' order (qmark); None: by name
    fixed: Mapping[str, Any]  # values the statement carries itself (a LIMIT 1, a literal)
    binders: Mapping[str, Processor]  # parameter name -> the type's bind processor
    readers: tuple[Processor | None, ...]  # per result column, the type's result processor
    changes_roster: bool  # an INSERT, UPDATE or DELETE on a roster table
    name_set: frozenset[str]  # ``names``, to check that all are given

    def values(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters: given over fixed ones, processed, in order."""
        merged = {**self.fixed, **params}
        if not merged.keys() >= self.name_set:  # more may be given, never fewer
            missing = sorted(self.name_set - merged.keys())
            raise KeyError(f"parameters not given: {', '.join(missing)}")
        for name, processor in self.binders.items():
            merged[name] = processor(merged[name])
        if self.positional is None:
            return {name: merged[name] for name in self.names}
        return [merged[name] for name in self.positional]

    def read(self, rows: Sequence[Row]) -> list[Row]:
        """The rows with each column's result processor applied."""
        readers = self.readers
        if not readers or not any(readers):
            return [tuple(row) for row in rows]
        return [
            tuple(v if r is None else r(v) for r, v in zip(readers, row, strict=True))
            for row in rows
        ]


def compile_for(statement: ClauseElement, dialect: Dialect) -> Compiled:
    """Compile ``statement`` for ``dialect`` and collect its processors (public type
    API: ``dialect_impl``, ``bind_processor``, ``result_processor``)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    fixed: dict[str, Any] = {}
    binders: dict[str, Processor] = {}
    for name, bind in compiled.binds.items():
        _refuse_unsupported(name, bind)
        if not bind.required:
            fixed[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binders[name] = processor
    if compiled.escaped_bind_names:
        raise ValueError(f"parameter names that need escaping: {compiled.escaped_bind_names}")
    columns = getattr(statement, "exported_columns", ())
    readers = tuple(_reader(c.type, dialect) for c in columns)
    positional = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    table = getattr(statement, "table", None) if getattr(statement, "is_dml", False) else None
    roster = getattr(table, "name", None) in ROSTER_TABLES
    names = tuple(compiled.binds)
    return Compiled(
        compiled.string, names, positional, fixed, binders, readers, roster, frozenset(names)
    )


def _reader(column_type: Any, dialect: Dialect) -> Processor | None:
    """The type's result processor; None (the driver's value as it is) where the dialect
    picks one by the column's wire type, which a statement built ahead does not know:
    psycopg's numbers (a float column arrives as a Python float, a numeric one as a
    Decimal, as the processor would leave them)."""
    try:
        processor: Processor | None = column_type.dialect_impl(dialect).result_processor(
            dialect, None
        )
    except (TypeError, exc.InvalidRequestError):
        return None
    return processor


def _refuse_unsupported(name: str, bind: BindParameter[Any]) -> None:
    if bind.expanding or bind.literal_execute:
        raise ValueError(f"parameter {name!r} is expanded at execution: not for Prepared")


class Prepared:
    """A statement built on first use, compiled once per backend, run on the driver.

    ``build`` is given the backend's name (``sqlite``, ``postgresql``) for statements
    that differ by backend (``INSERT … ON CONFLICT``); most ignore it.
    """

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._compiled: weakref.WeakKeyDictionary[Dialect, Compiled] = weakref.WeakKeyDictionary()
        self._last: tuple[Dialect, Compiled] | None = None

    def compiled(self, dialect: Dialect) -> Compiled:
        """The statement as ``dialect`` runs it, compiled on first use."""
        last = self._last
        if last is not None and last[0] is dialect:  # one backend per process, usually
            return last[1]
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = compile_for(self._build(dialect.name), dialect)
        self._last = (dialect, found)
        return found

    async def rows(self, on: Executor, params: Mapping[str, Any] | None = None) -> list[Row]:
        """The rows it returns (none for a statement that returns none), in the
        transaction of ``on`` (a session or a connection)."""
        return (await self._run(on, params or {}))[0]

    async def first(self, on: Executor, params: Mapping[str, Any] | None = None) -> Row | None:
        """Its first row, or None."""
        found = await self.rows(on, params)
        return found[0] if found else None

    async def _run(self, on: Executor, params: Mapping[str, Any]) -> tuple[list[Row], int]:
        info: dict[str, Any] | None = None
        if isinstance(on, Held):
            dialect, driver = on.dialect, on.driver
        elif isinstance(on, AsyncSession):
            dialect, driver, info = await _of_session(on)
        else:
            dialect, driver = await _of(on)
            info = on.info
        compiled = self.compiled(dialect)
        try:
            values = compiled.values(params)
        except Exception as err:  # a type's bind processor refused a value, as the ORM says
            raise exc.StatementError(str(err), compiled.sql, dict(params), err) from err
        try:
            rows, count = await execute(driver, compiled.sql, values)
        except dialect.loaded_dbapi.Error as err:
            raise exc.DBAPIError.instance(
                compiled.sql, values, err, dialect.loaded_dbapi.Error, dialect=dialect
            ) from err
        if compiled.changes_roster and info is not None:
            count_write(info)
        return compiled.read(rows), count


async def connection_info(session: AsyncSession) -> dict[str, Any]:
    """The ``info`` of the connection the session's transaction holds (begun if need
    be): where :data:`storage.db.WRITES` is counted."""
    return (await _of_session(session))[2]


_DRIVER = "vcbot_driver"  # session.info: (transaction, dialect, driver connection, info)


async def _of(connection: AsyncConnection) -> tuple[Dialect, Any]:
    return connection.dialect, (await connection.get_raw_connection()).driver_connection


async def _of_session(session: AsyncSession) -> tuple[Dialect, Any, dict[str, Any]]:
    """The dialect and driver connection of the session's transaction (begun if need
    be), kept while the same (innermost) transaction lasts: asking the session each
    time cost 150 µs.

    Pending ORM changes are flushed first, as the session's own queries would (its
    autoflush): a statement here must see what the transaction did."""
    sync = session.sync_session
    # _is_clean: the test Session.flush makes itself; new, dirty and deleted built three
    # sets per statement (a tenth of a statement's cost here)
    if sync.autoflush and not sync._is_clean():
        await session.flush()
    kept = session.info.get(_DRIVER)
    # the innermost transaction: asking the session for its connection in a new
    # savepoint is what makes it emit the SAVEPOINT
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    if kept is not None and kept[0] is transaction and transaction.is_active:
        return kept[1], kept[2], kept[3]
    connection = await session.connection()
    dialect, driver = await _of(connection)
    info = connection.info
    session.info[_DRIVER] = (
        sync.get_nested_transaction() or sync.get_transaction(),
        dialect,
        driver,
        info,
    )
    return dialect, driver, info


async def execute(driver: Any, sql: str, values: Any) -> tuple[list[Row], int]:
    """Run ``sql`` on a driver connection: the rows it returns and its row count.

    A connection that can run a call without the hand-over to its thread says so with
    ``fetch`` (:class:`storage.db.LoopConnection`); aiosqlite's and psycopg's async
    connections have the same ``execute``, cursor and ``fetchall``.
    """
    fetch = getattr(driver, "fetch", None)
    if fetch is not None:
        result: tuple[list[Row], int] = await fetch(sql, values)
        return result
    cursor = await driver.execute(sql, values)
    try:
        rows = list(await cursor.fetchall()) if cursor.description else []
        return rows, cursor.rowcount
    finally:
        await cursor.close()
