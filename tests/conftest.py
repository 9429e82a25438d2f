"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL,
settings with the programme defaults, and a guard that fails on non-loopback network use."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, text

from config import Settings
from storage.db import Database, make_sync_engine
from storage.migrate import upgrade

PG_ENV = "VCBOT_TEST_POSTGRES_URL"


def commits_of(db: Database) -> list[int]:
    """A one-item list counting the database's commits from now on (the engine's and
    its line's)."""
    seen = [0]

    def commit(*_: Any) -> None:
        seen[0] += 1

    event.listen(db.engine.sync_engine, "commit", commit)
    if db.line is not None:
        db.line.after_commit.append(commit)
    return seen


_real_connect = socket.socket.connect


def _loopback_only(sock: socket.socket, address: Any) -> Any:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise RuntimeError(f"测试不得访问外部网络：{address!r}")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def settings() -> Settings:
    """Settings with every programme default, independent of the environment."""
    return Settings(mode="development")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _worker_database(url: str) -> str:
    """The database of this pytest-xdist worker: the configured one for the first worker
    (and a run without workers), a sibling named after the worker for the others, made
    on first use. Two workers never drop each other's schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if worker == "gw0":
        return url
    parts = make_url(url)
    name = f"{parts.database}_{worker}"
    engine = make_sync_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if known.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return parts.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """The test PostgreSQL, reset and migrated once per run (None when not configured);
    each xdist worker has a database of its own."""
    configured = os.environ.get(PG_ENV)
    if not configured:
        yield None
        return
    url = _worker_database(configured)
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    yield url


def _truncate_postgres(url: str) -> None:
    engine = make_sync_engine(url)
    with engine.begin() as conn:
        names = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                # the roster's token row is the migration's, like the schema's version
                "AND tablename NOT IN ('alembic_version', 'rosterversion')"
            )
        ).scalars()
        tables = ", ".join(f'"{n}"' for n in names)
        if tables:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # a test may delete the token row (a database made by hand): put back the
        # migration's, so that no later test of the run inherits its absence
        conn.execute(
            text(
                "INSERT INTO rosterversion (id, token) VALUES (1, md5(random()::text)) "
                "ON CONFLICT (id) DO NOTHING"
            )
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_url: str | None,
) -> str:
    """A URL to an empty, migrated database of each backend."""
    if request.param == "sqlite":
        target = tmp_path / "vcbot.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    if postgres_url is None:
        pytest.skip(f"{PG_ENV} 未设置：跳过 PostgreSQL")
    _truncate_postgres(postgres_url)
    return postgres_url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """An open Database on each backend."""
    database = Database(db_url)
    yield database
    await database.dispose()
