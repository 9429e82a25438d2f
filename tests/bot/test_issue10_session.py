"""Issue 10's done-when: one scripted ``vcbot chat`` session over the demo county shows
every item, as a user of the console sees it (real classifier, real database)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from bot.cli import main
from storage.db import Database
from storage.models import Complaint, Question, ServiceLogEntry, SurveyAnswer

COUNSEL = "wx_chenmy"  # 陈明远, counsel of 南岗村 in the demo roster
BUREAU = "wx_sfj_demo"

SESSION = f"""\
王五@南岗村群: 请问一下
王五@南岗村群: 我家那个承包地
王五@南岗村群: 被村里收回去了
王五@南岗村群: 没给补偿 咋办
村干部老刘@南岗村群: @所有人 明天上午九点在村委会开会，讨论土地流转的事
赵四@南岗村群: 律师电话多少
赵四@南岗村群: 联系方式
钱七@南岗村群: 我不想活了
孙八@南岗村群: 先交了三千手续费，然后被拉黑了，怎么办
周九@南岗村群: 我要投诉
{COUNSEL}@南岗村群: @王五 承包地收回要看合同约定，我私聊您
王五: 1
{COUNSEL}: 1
{COUNSEL}@南岗村群: #999
{COUNSEL}@南岗村群: @不存在的人 您好
{COUNSEL}: 排班 南岗村 后天 14:00-16:00 村文化室
{COUNSEL}: 我的排班
{COUNSEL}: 到村 南岗村
{COUNSEL}: 离村
{COUNSEL}: 本月进度
{COUNSEL}: 上月进度
{COUNSEL}: 撤销
{COUNSEL}: 请假 12月7日-12月1日
李四: 我的律师 南港村
+赵六@南岗村群
+钱八@南岗村群
李四@南岗村群: 解绑
{COUNSEL}@南岗村群: 解绑
{COUNSEL}@南岗村群: 绑定 南岗村
"""


def said_to(out: str, who: str) -> list[str]:
    """The messages printed for ``who`` (a group name or 「私聊 某人」), in order."""
    return [
        m.group(1)
        for m in re.finditer(rf"^>> {re.escape(who)}: (.*?)(?=^>> |\Z)", out, re.M | re.S)
    ]


@pytest.fixture
def demo(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("VCBOT_MODE", "demo")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["demo", "load", "--reset"]).exit_code == 0
    return runner


def rows(db_url: str, stmt: Any) -> list[Any]:
    """Read rows in a database of their own (the CLI runs its own event loops)."""

    async def read() -> list[Any]:
        db = Database(db_url)
        try:
            async with db.read() as s:
                return list(await s.exec(stmt))
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_the_scripted_session_shows_every_item(demo: CliRunner, db_url: str) -> None:
    before = len(rows(db_url, select(Question)))
    result = demo.invoke(main, ["chat"], input=SESSION)
    out = result.stdout
    assert result.exit_code == 0, result.output
    group = said_to(out, "南岗村群")

    # fragments: four lines, one reply, one ticket with every line
    wangwu = [m for m in group if m.startswith("@王五")]
    assert len(wangwu) == 1
    new = rows(db_url, select(Question).where(col(Question.id) > before))
    [ticket] = [q for q in new if q.asker_name == "王五"]
    assert ticket.text.splitlines() == [
        "请问一下",
        "我家那个承包地",
        "被村里收回去了",
        "没给补偿 咋办",
    ]
    # a notice to everyone is no question; asking about the counsel shows the card
    assert not any(m.startswith("@村干部老刘") for m in group)
    assert sum("南岗村法律顾问联系卡" in m for m in group) == 2
    # self-harm: private, caring, hotline; the counsel gets the contact; nothing in the group
    assert not any("钱七" in m and "不想活" in m for m in group)
    assert "12356" in said_to(out, "私聊 钱七")[0]
    assert any("自伤风险" in m and "钱七" in m for m in said_to(out, f"私聊 {COUNSEL}"))
    # fraud leads with 110 / 96110
    [fraud] = [m for m in group if m.startswith("【先防损失】")]
    assert "96110" in fraud
    # complaint: recorded, answered privately, the bureau told
    assert "投诉编号" in said_to(out, "私聊 周九")[0]
    assert any("投诉" in m for m in said_to(out, f"私聊 {BUREAU}"))
    # closing: one ticket, confirmed privately with the offer; the asker asked to rate
    counsel_private = said_to(out, f"私聊 {COUNSEL}")
    assert any(f"已结案：#{ticket.id}（王五）" in m and "回复 1" in m for m in counsel_private)
    to_wangwu = said_to(out, "私聊 王五")
    assert "1 满意" in to_wangwu[0]
    assert "谢谢您的评价（满意）" in to_wangwu[1]
    assert any("已记录为微信解答服务" in m for m in counsel_private)
    # bad input from the counsel gets a private reply
    assert any("#999" in m and "没有找到" in m for m in counsel_private)
    assert any("@不存在的人" in m for m in counsel_private)
    # visits, check-in and -out, progress, undo, leave
    assert any(m.startswith("已排班 #") and "村文化室" in m for m in counsel_private)
    assert any(m.startswith("【我的驻村排班】") for m in counsel_private)
    assert any(m.startswith("已签到") for m in counsel_private)
    assert any(m.startswith("已离村，记录 #") for m in counsel_private)
    assert sum("服务进度】" in m for m in counsel_private) == 2
    assert any(m.startswith("已撤销记录 #") and "驻村 1 分钟" in m for m in counsel_private)
    assert any("结束日期早于开始日期" in m for m in counsel_private)
    # a near-miss village name is suggested, with no operator instruction
    [suggested] = said_to(out, "私聊 李四")
    assert "南岗村" in suggested
    assert "vcbot" not in suggested
    # welcome once a day; villagers may not unbind; the counsel may, and bind again
    assert sum(m.startswith("欢迎 赵六") for m in group) == 1
    assert not any("钱八" in m for m in group)
    assert any("只有本村法律顾问" in m for m in group)
    assert any("解除绑定" in m for m in group)
    assert any(m.startswith("本群已绑定到南岗村") for m in group)

    # the demo county comes with one complaint and two ratings of its own (demo_*)
    rated = rows(db_url, select(SurveyAnswer).where(col(SurveyAnswer.question_id).is_not(None)))
    evidence = rows(db_url, select(ServiceLogEntry).where(ServiceLogEntry.question_id == ticket.id))
    complaints = rows(db_url, select(Complaint).where(Complaint.complainant_id != "demo_0"))
    assert [(r.score, r.question_id) for r in rated] == [(5, ticket.id)]
    assert [(e.channel, e.minutes) for e in evidence] == [("wechat", 15)]
    assert len(complaints) == 1
