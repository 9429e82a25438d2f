"""Schema migrations through Alembic (``vcbot db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from storage.db import ensure_sqlite_dir, make_sync_engine, sqlite_file_missing, sync_url
from storage.errors import SchemaNotCurrent

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SchemaNotCurrent",
    "current_heads",
    "current_revision",
    "downgrade",
    "ensure_current",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | URL) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "sqlalchemy.url", sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


def upgrade(url: str | URL, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to ``revision`` (default: the newest); returns the revision it
    was at (None: an empty database) and the one it is at now. Creates a missing SQLite
    file and its folder: the only command that does."""
    ensure_sqlite_dir(url)
    before = current_revision(url)
    from alembic import command

    command.upgrade(alembic_config(url), revision)
    return before, current_revision(url)


def current_revision(url: str | URL) -> str | None:
    """The database's revision (None when it has none: a new, empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    return ",".join(sorted(heads)) or None


def downgrade(url: str | URL, revision: str) -> None:
    """Step the database back to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_heads() -> tuple[str, ...]:
    """The head revisions shipped with this version."""
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


HEAD = "0010"
"""The newest migration, written down so that every command's start-up check needs no
Alembic import (~0.3 s); ``tests/storage/test_db.py`` checks it against Alembic's heads."""


def stored_revision(url: str | URL) -> str | None:
    """The database's revision read straight from Alembic's table (None: no table, or
    empty), for the start-up check."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return ",".join(sorted(found)) or None
    finally:
        engine.dispose()


def ensure_current(url: str | URL) -> None:
    """Refuse to run against a database that is not at the newest migration (a missing
    SQLite file is refused without being created)."""
    if sqlite_file_missing(url):
        raise SchemaNotCurrent(
            f"数据库文件不存在：{make_url(url).database}；请先运行 vcbot db upgrade"
        )
    current = stored_revision(url)
    if current != HEAD:
        state = "尚未初始化" if current is None else "结构不是最新"
        raise SchemaNotCurrent(f"数据库{state}：请先运行 vcbot db upgrade")
