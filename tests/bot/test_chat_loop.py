"""vcbot chat: two processes on one database each print only their own replies, and the
outbox's uncertain messages are reported (issue 8, case 1)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.chat_loop import run_console
from bot.cli import main
from bot.runtime import Runtime
from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.services import outbox
from tests.fakes import village_language
from tests.handlers.conftest import GROUP
from tests.handlers.conftest import dispatcher as dispatcher


def lines(name: str, text: str, count: int) -> io.StringIO:
    """``count`` console lines from different villagers called ``name0``, ``name1`` ..."""
    return io.StringIO("".join(f"{name}{i}@{GROUP}: {text}\n" for i in range(count)))


async def test_two_console_processes_each_print_only_their_replies(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    other = Database(db.url.render_as_string(hide_password=False))  # the second process's pool
    runtimes = [
        Runtime(settings, db, dispatcher),
        Runtime(
            settings, other, Dispatcher(other, settings, village_language(), dispatcher.routers)
        ),
    ]
    inputs = [lines("张", "宅基地被占了怎么办", 10), lines("李", "老板欠我工钱", 10)]
    outs = [io.StringIO(), io.StringIO()]
    try:
        await asyncio.gather(
            *(
                run_console(rt, given, out, io.StringIO())
                for rt, given, out in zip(runtimes, inputs, outs, strict=True)
            )
        )
    finally:
        await other.dispose()
    first, second = (o.getvalue() for o in outs)
    assert (first.count(">> "), second.count(">> ")) == (10, 10)
    assert "@李" not in first
    assert "@张" not in second


async def test_outbox_status_lists_uncertain_messages(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as s:
        await outbox.enqueue(s, channel="wechat", target_kind="person", target_id="p", text="提醒")
    now = datetime.now(UTC)
    assert await outbox.claim_next(db, ["wechat"], now) is not None  # the sender dies here
    await outbox.expire_leases(db, now + outbox.DEFAULT_LEASE + timedelta(seconds=1))
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    out = await asyncio.to_thread(CliRunner().invoke, main, ["outbox", "status"])
    assert out.exit_code == 0, out.output
    assert "不确定 1" in out.stdout
    assert "wechat → person:p" in out.stdout
