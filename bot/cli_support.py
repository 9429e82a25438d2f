"""What every vcbot command shares: settings with readable errors, domain errors as one
line and exit code 2, and an event loop around a migrated database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click
from pydantic import ValidationError

from config import Settings, load_settings
from storage.db import Database, DatabaseURLError
from storage.errors import DomainError
from storage.migrate import SchemaNotCurrent, ensure_current

P = ParamSpec("P")
R = TypeVar("R")


def settings_or_exit() -> Settings:
    """The settings, or a ClickException listing what is wrong in them."""
    try:
        return load_settings()
    except ValidationError as err:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise click.ClickException("配置有误：\n" + "\n".join(lines)) from None


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Map domain errors to a one-line message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (DomainError, DatabaseURLError, SchemaNotCurrent) as err:
            click.echo(f"错误：{err}", err=True)
            sys.exit(2)

    return wrapper


def with_db(body: Callable[[Database, Settings], Awaitable[R]]) -> R:
    """Check the schema is current, open the database, run ``body`` in a loop, close it."""
    settings = settings_or_exit()
    ensure_current(settings.database_url)

    async def main() -> R:
        db = Database(settings.database_url)
        try:
            return await body(db, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())
