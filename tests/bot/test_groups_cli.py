"""``vcbot groups``: the rooms seen, bound or not, so an administrator can find a room id."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.cli import main
from config import Settings
from storage.db import Database
from storage.services.directory import bind_group, saw_room
from tests.ledger_data import load_roster


async def test_groups_lists_seen_rooms_with_their_village(
    db: Database, db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_roster(db, settings)
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    async with db.transaction() as s:
        await saw_room(s, "R_a@chatroom", "南岗村群", 57, "wechat:bot", now)
        await saw_room(s, "R_b@chatroom", "闲聊群", 3, "wechat:bot", now)
        await bind_group(s, "R_a@chatroom", "V1", actor="test")
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    out = await asyncio.to_thread(CliRunner().invoke, main, ["groups"])
    assert out.exit_code == 0, out.output
    line_a = next(line for line in out.stdout.splitlines() if "R_a@chatroom" in line)
    line_b = next(line for line in out.stdout.splitlines() if "R_b@chatroom" in line)
    assert "南岗村（V1）" in line_a
    assert "57" in line_a
    assert "未绑定" in line_b
