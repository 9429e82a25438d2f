"""Engines and sessions: SQLite (embedded default, WAL) or PostgreSQL from one URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

Session: TypeAlias = AsyncSession
"""The session the services take: layers above storage name it by this alias, so that only
storage knows the ORM (an import contract keeps sqlmodel and sqlalchemy out of handlers)."""

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


class DatabaseURLError(ValueError):
    """The database URL names a backend we do not support."""


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


def _ensure_sqlite_dir(url: URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_sync_engine(url: str | URL) -> Engine:
    """A sync engine (migrations, job store); SQLite gets WAL and foreign keys."""
    target = sync_url(url)
    if is_sqlite(target):
        _ensure_sqlite_dir(target)
    engine = create_engine(target, pool_pre_ping=not is_sqlite(target))
    if is_sqlite(target):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(url: str | URL) -> AsyncEngine:
    """The async engine the services use; SQLite gets WAL and foreign keys."""
    target = async_url(url)
    if is_sqlite(target):
        _ensure_sqlite_dir(target)
        engine = create_async_engine(target)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(target, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    """One async engine and its session factory; services open transactions through it."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        self.engine = make_async_engine(url)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only."""
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
