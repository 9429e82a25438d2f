"""Crises (G3) with the real classifier and issue 10's own inputs: self-harm is answered
privately with the crisis hotline and never in the group; fraud hears 110 and 96110
first; a group incident keeps its calm public reply."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from handlers.ports import Target
from storage.db import Database
from storage.models import County
from tests.handlers.conftest import COUNSEL_WX, GROUP, Say, Talk


@pytest.fixture(autouse=True)
async def bureau(real_talk: Talk, db: Database) -> None:
    """示范县's bureau contact, who is alerted too."""
    async with db.transaction() as s:
        await s.exec(
            update(County).where(col(County.name) == "示范县").values(bureau_contact_id="wx_sfj")
        )


async def test_self_harm_in_the_group_is_answered_privately_only(real_talk: Talk, msg: Say) -> None:
    said = await real_talk(msg("我不想活了"))
    assert all(m.target.kind == "person" for m in said)  # nothing in the group
    [care] = [m for m in said if m.target == Target.person("zhangsan")]
    assert "12356" in care.text
    assert "120" in care.text
    alerts = {m.target.id: m.text for m in said if m.target.id in (COUNSEL_WX, "wx_sfj")}
    assert set(alerts) == {COUNSEL_WX, "wx_sfj"}
    assert all("微信 zhangsan" in text for text in alerts.values())  # how to reach the person


async def test_self_harm_in_private_is_cared_for_and_the_village_counsel_alerted(
    real_talk: Talk, msg: Say
) -> None:
    await real_talk(msg("老板欠了我三个月工钱不给，咋办"))  # asked in 南岗村群 before
    said = await real_talk(msg("我不想活了", group=None))
    [care] = [m for m in said if m.target == Target.person("zhangsan")]
    assert "12356" in care.text
    assert any(m.target == Target.person(COUNSEL_WX) and "微信 zhangsan" in m.text for m in said)


async def test_self_harm_from_a_stranger_in_private_still_gets_care(
    real_talk: Talk, msg: Say
) -> None:
    [care] = await real_talk(msg("活不下去了", sender="stranger", name="某人", group=None))
    assert "12356" in care.text


async def test_fraud_hears_110_and_96110_before_anything_else(real_talk: Talk, msg: Say) -> None:
    [reply] = await real_talk(msg("先交了三千手续费，被拉黑了"))
    first_line = reply.text.splitlines()[0]
    assert "110" in first_line
    assert "96110" in first_line
    assert reply.target == Target.group(GROUP)


async def test_a_group_incident_keeps_its_calm_public_reply(real_talk: Talk, msg: Say) -> None:
    said = await real_talk(msg("明天大家一起去堵路"))
    [public] = [m for m in said if m.target == Target.group(GROUP)]
    assert "不要采取过激行为" in public.text
    assert any(m.target == Target.person(COUNSEL_WX) for m in said)
