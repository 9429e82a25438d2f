"""The database layer: WAL on SQLite, aware datetimes, migrations in step with the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel, select

from storage.columns import NaiveDatetimeError
from storage.db import Database, async_url, make_sync_engine, sync_url
from storage.errors import DatabaseURLError
from storage.migrate import SchemaNotCurrent, ensure_current
from storage.models import AuditEntry

SHANGHAI = timezone(timedelta(hours=8))


async def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    if db.url.get_backend_name() != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    async with db.read() as s:
        mode = (await s.exec(text("PRAGMA journal_mode"))).scalar_one()  # type: ignore[call-overload]
    assert mode == "wal"


async def test_datetimes_come_back_aware_and_equal(db: Database) -> None:
    when = datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)
    async with db.transaction() as s:
        s.add(AuditEntry(at=when, actor="t", action="a", entity="e", entity_id="1"))
    async with db.read() as s:
        stored = (await s.exec(select(AuditEntry))).one()
    assert stored.at.tzinfo is not None
    assert stored.at == when
    assert stored.at.astimezone(UTC).hour == 15


async def test_naive_datetime_is_refused(db: Database) -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001  (the point of the test)
    with pytest.raises(StatementError) as err:
        async with db.transaction() as s:
            s.add(AuditEntry(at=naive, actor="t", action="a", entity="e", entity_id="1"))
    assert isinstance(err.value.orig, NaiveDatetimeError)


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_sync_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_current_schema_is_accepted(db_url: str) -> None:
    ensure_current(db_url)


def test_empty_database_is_refused(tmp_path: object) -> None:
    with pytest.raises(SchemaNotCurrent, match="vcbot db upgrade"):
        ensure_current(f"sqlite:///{tmp_path}/empty.db")


def test_urls_get_the_right_drivers() -> None:
    assert async_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert sync_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    assert async_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(DatabaseURLError, match="不支持的数据库"):
        async_url("mysql://u@h/d")


def test_the_written_down_head_is_alembics_head() -> None:
    """``migrate.HEAD`` spares every command an Alembic import: it must be the newest
    migration (a new migration fails here until HEAD names it)."""
    from storage.migrate import HEAD, current_heads

    assert current_heads() == (HEAD,)
