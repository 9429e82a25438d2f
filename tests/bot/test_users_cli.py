"""``vcbot user`` and ``vcbot token`` (issue 11, item 1)."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from config import Settings
from storage.db import Database
from storage.services import accounts
from tests.ledger_data import load_roster


async def _run(args: list[str], stdin: str = "") -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, args, input=stdin)


@pytest.fixture
async def cli_db(
    db: Database, db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Database:
    await load_roster(db, settings)
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    return db


async def test_add_list_disable_and_token(cli_db: Database) -> None:
    out = await _run(
        ["user", "add", "zhang", "--level", "county", "--scope", "示范县", "--password-stdin"],
        "a-long-password\n",
    )
    assert out.exit_code == 0, out.output
    assert "已新增账号 zhang（县级，范围：示范县）" in out.stdout
    listed = await _run(["user", "list"])
    assert "zhang" in listed.stdout
    assert "启用" in listed.stdout
    token = await _run(["token", "add", "zhang", "--label", "报表"])
    assert token.exit_code == 0, token.output
    value = token.stdout.strip().splitlines()[-1]
    assert value.startswith("vcb_")
    async with cli_db.read() as s:
        user = await accounts.user_of_token(s, value)
    assert user is not None
    assert user.username == "zhang"
    assert (await _run(["user", "disable", "zhang"])).exit_code == 0
    assert "已停用" in (await _run(["user", "list"])).stdout
    again = await _run(["token", "add", "zhang"])
    assert again.exit_code == 2
    assert "已停用" in again.output


async def test_the_password_prompt_asks_twice(cli_db: Database) -> None:
    out = await _run(
        ["user", "add", "li", "--level", "province", "--scope", "无此省"],
        "a-long-password\na-long-password\n",
    )
    assert out.exit_code == 2
    assert "没有省级区域「无此省」" in out.output
    admin = await _run(
        ["user", "add", "root", "--level", "admin"], "a-long-password\na-long-password\n"
    )
    assert admin.exit_code == 0, admin.output
    assert "范围：全部" in admin.stdout


async def test_a_short_password_and_a_bad_level_are_refused(cli_db: Database) -> None:
    short = await _run(
        ["user", "add", "li", "--level", "county", "--scope", "示范县", "--password-stdin"], "abc\n"
    )
    assert short.exit_code == 2
    assert "密码太短" in short.output
    level = await _run(["user", "add", "li", "--level", "town", "--password-stdin"], "x\n")
    assert level.exit_code == 2
    assert "town" in level.output
