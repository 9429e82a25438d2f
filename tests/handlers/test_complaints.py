"""Complaints (Q10) as issue 10 asks: every one recorded, the complainant answered
privately, the county bureau told at once; 'vcbot complaints' serves the bureau."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import col, select

from bot.cli import main
from handlers.ports import Target
from storage.db import Database
from storage.models import AuditEntry, Complaint, County
from tests.handlers.conftest import Say, Talk


@pytest.fixture
async def bureau(db: Database, talk: Talk) -> str:
    """示范县's bureau contact."""
    async with db.transaction() as s:
        await s.exec(
            update(County).where(col(County.name) == "示范县").values(bureau_contact_id="wx_sfj")
        )
    return "wx_sfj"


async def stored(db: Database) -> list[Complaint]:
    async with db.read() as s:
        return list(await s.exec(select(Complaint).order_by(col(Complaint.id))))


@pytest.mark.parametrize("text", ["投诉", "我要投诉", "投诉律师！"])
async def test_a_bare_complaint_in_the_group_is_recorded(
    talk: Talk, db: Database, msg: Say, bureau: str, text: str
) -> None:
    said = await talk(msg(text))
    [complaint] = await stored(db)
    assert complaint.village_id == "DL01"
    assert all(m.target.kind == "person" for m in said)  # nobody @-named in the group
    [answer] = [m for m in said if m.target == Target.person("zhangsan")]
    assert f"C{complaint.id}" in answer.text
    assert "@张三" not in answer.text
    [notice] = [m for m in said if m.target == Target.person(bureau)]
    assert "投诉" in notice.text
    assert "微信 zhangsan" in notice.text


async def test_a_private_complaint_is_recorded_for_the_village_asked_in(
    talk: Talk, db: Database, msg: Say, bureau: str
) -> None:
    await talk(msg("宅基地被占了怎么办"))  # asked in 南岗村群 first
    said = await talk(msg("律师不回消息，打电话也不接", group=None))
    [complaint] = await stored(db)
    assert (complaint.village_id, complaint.counsel_id) == ("DL01", "L001")
    assert {m.target for m in said} == {Target.person("zhangsan"), Target.person(bureau)}


async def test_a_private_complaint_from_a_stranger_is_recorded_without_a_village(
    talk: Talk, db: Database, msg: Say
) -> None:
    [answer] = await talk(msg("投诉", sender="stranger", name="某人", group=None))
    [complaint] = await stored(db)
    assert complaint.village_id is None
    assert f"C{complaint.id}" in answer.text


async def test_a_consumer_complaint_is_not_a_complaint_about_the_service(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("投诉他们家卖假货"))
    assert await stored(db) == []


async def test_the_bureau_lists_shows_and_closes_complaints(
    talk: Talk, db: Database, db_url: str, msg: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    await talk(msg("投诉"))
    [complaint] = await stored(db)
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)

    def vcbot(*args: str) -> str:
        out = CliRunner().invoke(main, list(args))
        assert out.exit_code == 0, out.output
        return out.stdout

    listed = await asyncio.to_thread(vcbot, "complaints", "list")
    assert f"C{complaint.id}" in listed
    assert "南岗村" in listed
    shown = await asyncio.to_thread(vcbot, "complaints", "show", str(complaint.id))
    assert "未处理" in shown
    closed = await asyncio.to_thread(
        vcbot, "complaints", "close", str(complaint.id), "--resolution", "已电话回访，律师致歉"
    )
    assert "已结案" in closed
    assert "没有未处理的投诉" in await asyncio.to_thread(vcbot, "complaints", "list")
    async with db.read() as s:
        [audit] = list(await s.exec(select(AuditEntry).where(AuditEntry.entity == "complaint")))
    assert (audit.action, (audit.after or {})["resolution"]) == ("close", "已电话回访，律师致歉")
