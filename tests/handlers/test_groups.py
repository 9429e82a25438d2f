"""「绑定 村名」 inside a group: who may bind, and what the others are told (issue 9)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.models import ChatGroup, County
from storage.services.roster import COLUMNS, import_roster
from tests.handlers.conftest import COUNSEL_WX, Say, Talk

NEW_GROUP = "R_new@chatroom"
OTHER_ROW = "示范县,东岭镇,DL03,东坑村,否,L002,林晓燕,示范所,0000-1000002,lin@x.example,wx_lin,否"


async def bound_to(db: Database, group: str) -> str | None:
    async with db.read() as s:
        found = await s.get(ChatGroup, group)
    return None if found is None else found.village_id


async def test_the_villages_counsel_binds_the_group(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("绑定 南岗村", sender=COUNSEL_WX, name="陈明远", group=NEW_GROUP))
    assert "本群已绑定到南岗村" in reply.text
    assert await bound_to(db, NEW_GROUP) == "DL01"


async def test_a_villager_may_not_bind(talk: Talk, db: Database, msg: Say) -> None:
    [reply] = await talk(msg("绑定 南岗村", group=NEW_GROUP))
    assert "只有本村法律顾问或县司法局联系人可以绑定" in reply.text
    assert await bound_to(db, NEW_GROUP) is None


async def test_a_counsel_of_another_village_may_not_bind(
    dispatcher: Dispatcher, talk: Talk, db: Database, settings: Settings, msg: Say
) -> None:
    await import_roster(db, ",".join(COLUMNS) + "\n" + OTHER_ROW, settings.quota)
    [reply] = await talk(msg("绑定 南岗村", sender="wx_lin", name="林晓燕", group=NEW_GROUP))
    assert "只有本村法律顾问" in reply.text
    assert await bound_to(db, NEW_GROUP) is None


async def test_the_county_bureau_contact_binds(talk: Talk, db: Database, msg: Say) -> None:
    async with db.transaction() as s:
        await s.exec(
            update(County).where(col(County.name) == "示范县").values(bureau_contact_id="wx_sfj")
        )
    [reply] = await talk(msg("绑定 北坑村", sender="wx_sfj", name="司法局", group=NEW_GROUP))
    assert "本群已绑定到北坑村" in reply.text
    assert await bound_to(db, NEW_GROUP) == "DL02"


async def test_a_bound_group_is_not_rebound_from_chat(talk: Talk, db: Database, msg: Say) -> None:
    await talk(msg("绑定 南岗村", sender=COUNSEL_WX, name="陈明远", group=NEW_GROUP))
    [reply] = await talk(msg("绑定 北坑村", sender=COUNSEL_WX, name="陈明远", group=NEW_GROUP))
    assert "vcbot group bind --force" in reply.text
    assert await bound_to(db, NEW_GROUP) == "DL01"


@pytest.mark.parametrize("text", ["绑定 不存在的村", "绑定 DL99"])
async def test_an_unknown_village_is_named(talk: Talk, msg: Say, text: str) -> None:
    [reply] = await talk(msg(text, sender=COUNSEL_WX, group=NEW_GROUP))
    assert "没有编号或名称为" in reply.text


async def test_binding_is_audited(talk: Talk, db: Database, msg: Say) -> None:
    from storage.models import AuditEntry

    await talk(msg("绑定 南岗村", sender=COUNSEL_WX, name="陈明远", group=NEW_GROUP))
    async with db.read() as s:
        rows = list(await s.exec(select(AuditEntry).where(AuditEntry.entity == "group")))
    assert [(r.actor, r.entity_id) for r in rows][-1] == (f"chat:{COUNSEL_WX}", NEW_GROUP)
