"""What every vcbot command shares: settings with readable errors, one way to show an
error (「错误：…」, exit code 2 for a refusal), an event loop around a migrated database,
and writing a result to the terminal or a file."""

from __future__ import annotations

import asyncio
import gettext
import importlib
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from pydantic import ValidationError

from config import Settings, load_settings
from storage.errors import DatabaseURLError, DomainError, SchemaNotCurrent

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from storage.db import Database

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
ERROR_PREFIX = "错误："
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"  # click's messages, zh_CN


def speak_chinese() -> None:
    """click's own messages (「用法：」, 「没有选项 '--foo'。」 …) in Chinese.

    click translates its messages through gettext's default domain; the catalog of them is
    ``bot/locale/zh_CN/LC_MESSAGES/messages.po`` (compiled to ``.mo`` by ``make catalog``).
    vcbot speaks Chinese whatever the terminal's locale, so LANGUAGE is set for it."""
    gettext.bindtextdomain(gettext.textdomain(), str(LOCALE_DIR))
    os.environ["LANGUAGE"] = "zh_CN"


class Refused(click.ClickException):
    """A domain refusal or an operator's error, shown as one line; exit code 2."""

    exit_code = 2


class VcbotGroup(click.Group):
    """The main group: every error, click's own included, is shown as 「错误：…」.

    Subcommands named in ``lazy_commands`` (name -> ``module:attribute``) are imported
    only when used (click's documented lazy-loading pattern)."""

    def __init__(
        self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, lazy ones included, by name."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, imported now if it is a lazy one."""
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; in standalone mode, show errors in Chinese and exit."""
        speak_chinese()
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as err:
            _show_usage_error(err)
            sys.exit(err.exit_code)
        except click.ClickException as err:
            click.echo(ERROR_PREFIX + err.format_message(), err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _show_usage_error(err: click.UsageError) -> None:
    if err.ctx is not None:
        click.echo(err.ctx.get_usage(), err=True)
        click.echo(f"用「{err.ctx.command_path} --help」查看用法。", err=True)
    click.echo(ERROR_PREFIX + err.format_message(), err=True)


def settings_or_exit() -> Settings:
    """The settings, or a refusal listing what is wrong in them."""
    try:
        return load_settings()
    except ValidationError as err:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise click.ClickException("配置有误：\n" + "\n".join(lines)) from None


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and operator errors into one line and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (DomainError, DatabaseURLError, SchemaNotCurrent) as err:
            raise Refused(str(err)) from None

    return wrapper


def with_db(body: Callable[[Database, Settings], Awaitable[R]]) -> R:
    """Check the schema is current, open the database, run ``body`` in a loop, close it."""
    from storage.db import Database
    from storage.migrate import ensure_current

    settings = settings_or_exit()
    ensure_current(settings.database_url)

    async def main() -> R:
        db = Database(settings.database_url)
        try:
            return await body(db, settings)
        finally:
            await db.dispose()

    return asyncio.run(main())


def now(settings: Settings) -> datetime:
    """The current time in the deployment's zone."""
    return datetime.now(settings.tz)


def parse_option(kind: Callable[[str], T], value: str | None) -> T | None:
    """``kind(value)``, None for None; a ValueError becomes click's bad-parameter error."""
    return None if value is None else parse_value(kind, value)


def parse_value(kind: Callable[[str], T], value: str) -> T:
    """``kind(value)``; a ValueError becomes click's bad-parameter error."""
    try:
        return kind(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def read_utf8(file: Path) -> str:
    """A text file's content (a BOM is fine); a refusal when it is not UTF-8."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} 不是 UTF-8 编码：请另存为 UTF-8 CSV") from None


def write_out(data: str | bytes, output: Path | None) -> None:
    """Print text, or write text or bytes to ``output``."""
    if output is None:
        click.echo(data if isinstance(data, str) else data.decode())
        return
    if isinstance(data, bytes):
        output.write_bytes(data)
    else:
        output.write_text(data + "\n", encoding="utf-8")
    click.echo(f"已写入 {output}", err=True)


def with_runtime(body: Callable[[Runtime], Awaitable[R]]) -> R:
    """Like :func:`with_db`, with the whole runtime (language and dispatcher) wired."""
    from bot.runtime import build_runtime

    async def run(db: Database, settings: Settings) -> R:
        return await body(build_runtime(settings, db))

    return with_db(run)
