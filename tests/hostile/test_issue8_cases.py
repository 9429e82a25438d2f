"""Each case of issue 8 with the input it was seen with, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import select

from bot.cli import main
from bot.server import simulator_channel
from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.reminders import CHECKS
from storage.db import Database
from storage.errors import ImportRefused
from storage.exports import csv_text, xlsx_bytes
from storage.models import InboundMessage, Leave, OutboxMessage, Question, ServiceLogEntry, Visit
from storage.services import outbox
from storage.services.ledger import Actor
from storage.services.ledger_io import EXPORT_COLUMNS, export_rows, import_logs
from storage.services.roster import COLUMNS as ROSTER_COLUMNS
from storage.services.roster import import_roster
from tests.handlers.conftest import COUNSEL_WX, GROUP, Say, Talk
from tests.handlers.conftest import dispatcher as dispatcher
from tests.handlers.conftest import msg as msg
from tests.handlers.conftest import relay as relay
from tests.handlers.conftest import talk as talk
from tests.handlers.conftest import transport as transport
from tests.ledger_data import NOW as LEDGER_NOW
from tests.ledger_data import load_roster
from web.app import create_app

Client = TestClient[Any, Any]


async def count(db: Database, model: Any) -> int:
    async with db.read() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


# 1. replies sent more than once ------------------------------------------------------


async def test_case1_twenty_concurrent_simulator_requests_deliver_each_message_once(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    sim = simulator_channel(db, settings, dispatcher)
    async with db.transaction() as s:
        for i in range(50):
            await outbox.enqueue(
                s, channel=sim.hub.instance, target_kind="person", target_id="p", text=f"消息{i}"
            )
    app = create_app(settings, db, sim)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        body = {"persona_id": "p", "text": "你好"}
        await asyncio.gather(*(c.post("/api/sim/send", json=body) for _ in range(20)))
        feed = await (await c.get("/api/sim/feed", params={"persona": "p"})).json()
    delivered = [e["text"] for e in feed["events"] if e["text"].startswith("消息")]
    assert sorted(delivered) == sorted(f"消息{i}" for i in range(50))


# 2. messages lost on SQLite ------------------------------------------------------------


def test_case2_undecodable_bytes_on_stdin_are_still_a_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    roster = tmp_path / "roster.csv"
    roster.write_text(
        ",".join(ROSTER_COLUMNS)
        + "\n示范县,东岭镇,DL01,南岗村,否,L001,陈明远,示范所,0000-1000001,c@x.example,wx_chen,否\n",
        encoding="utf-8",
    )
    runner.invoke(main, ["roster", "import", str(roster)])
    runner.invoke(main, ["group", "bind", "测试群", "DL01"])
    line = "张三@测试群: 老板欠我工钱".encode() + b"\xff\xfe" + "咋整\n".encode()
    out = runner.invoke(main, ["chat"], input=io.BytesIO(line))
    assert out.exit_code == 0, out.output
    assert "@陈明远" in out.stdout


# 3. text the database cannot store ---------------------------------------------------

HOSTILE_TEXTS = ("宅基地\x00被占了怎么办", "宅基地被占了\ud800怎么办", "宅基地\udcff\udcfe咋整")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_case3_unstorable_group_question_is_stored_and_answered(
    talk: Talk, db: Database, msg: Say, text: str
) -> None:
    [reply] = await talk(msg(text))
    assert "已登记" in reply.text
    async with db.read() as s:
        [q] = list(await s.exec(select(Question)))
    assert "\x00" not in q.text
    assert "宅基地" in q.text


async def test_case3_overlong_sender_id_is_shortened_the_same_way_each_time(
    talk: Talk, db: Database, msg: Say
) -> None:
    long_id = "wxid_" + "x" * 300
    await talk(msg("宅基地被占了怎么办", sender=long_id, message_id="a"))
    await talk(msg("老板欠我工钱", sender=long_id, message_id="b"))
    async with db.read() as s:
        askers = {q.asker_id for q in await s.exec(select(Question))}
    [stored] = askers
    assert len(stored) <= 128
    assert stored.startswith("wxid_xxx")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_case3_unstorable_private_message_gets_a_reply(
    talk: Talk, msg: Say, text: str
) -> None:
    [reply] = await talk(msg(text, group=None))
    assert "您好" in reply.text


async def test_case3_a_bad_line_does_not_end_the_console(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    from bot.chat_loop import run_console
    from bot.runtime import Runtime

    lines = io.StringIO(f"张三: 你好\x00\ud800\n张三@{GROUP}: 宅基地被占了怎么办\n")
    out = io.StringIO()
    await run_console(Runtime(settings, db, dispatcher), lines, out, io.StringIO())
    assert out.getvalue().count(">> ") == 2


async def test_case3_huge_duration_is_refused_not_an_overflow(talk: Talk, msg: Say) -> None:
    [reply] = await talk(
        msg(f"记录 南岗村 电话 {'9' * 400}.5小时", sender=COUNSEL_WX, name="陈明远", group=None)
    )
    assert "1 分钟到 24 小时" in reply.text


@pytest.mark.parametrize(
    ("after", "as_json"), [("1e400", "1e400"), ("-1", "-1"), ("3.7", "3.7"), ("３", '"３"')]
)
async def test_case3_bad_event_counter_is_a_400(
    db: Database, settings: Settings, dispatcher: Dispatcher, after: str, as_json: str
) -> None:
    app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        r = await c.get("/api/sim/feed", params={"persona": "p", "after": after})
        assert (r.status, (await r.json())["error"]) == (400, "after 应是非负整数")
        body = '{"persona_id": "p", "text": "你好", "after": ' + as_json + "}"
        sent = await c.post("/api/sim/send", data=body)
        assert (sent.status, (await sent.json())["error"]) == (400, "after 应是非负整数")


async def test_case3_deep_json_is_a_400(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        r = await c.post("/api/sim/send", data="[" * 30000 + "]" * 30000)
        assert r.status in (400, 413)
        r = await c.post("/api/sim/send", data="[" * 20000 + "]" * 20000)
        assert r.status == 400


async def test_case3_the_group_answers_after_a_hostile_simulator_message(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        bad = {"group_id": GROUP, "persona_id": "p" * 300, "text": "宅基地\u0000被占\ud800了"}
        assert (await c.post("/api/sim/send", data=_json(bad))).status == 200
        good = {"group_id": GROUP, "persona_id": "sim_lisi", "text": "老板欠我工钱"}
        r = await c.post("/api/sim/send", json=good)
        assert r.status == 200
        assert any(e["direction"] == "out" for e in (await r.json())["events"])


def _json(body: dict[str, str]) -> str:
    import json

    return json.dumps(body)  # escapes the lone surrogate as \\ud800, as a browser would


# 5. formula injection ------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","点我")'


def test_case5_csv_export_neutralises_formulas_and_imports_back() -> None:
    text = csv_text(["summary", "minutes"], [[FORMULA, 30], ["-1+1", 5], ["正常", -3]])
    assert "'=HYPERLINK" in text
    assert "'-1+1" in text
    assert text.splitlines()[3] == "正常,-3"


def test_case5_xlsx_export_writes_formulas_as_text() -> None:
    data = xlsx_bytes(["summary"], [[FORMULA], ["@SUM(A1)"]], "s")
    cells = list(load_workbook(io.BytesIO(data)).active["A"])[1:]
    assert [(c.value, c.data_type) for c in cells] == [(FORMULA, "s"), ("@SUM(A1)", "s")]


async def test_case5_exported_formula_summary_round_trips(db: Database, settings: Settings) -> None:
    await load_roster(db, settings)
    row = f'L1,V1,2026-11-04,offsite,phone,30,"{FORMULA.replace(chr(34), chr(34) * 2)}",'
    await import_logs(db, _logs(row), settings, actor=Actor("t"), now=LEDGER_NOW)
    async with db.read() as s:
        entries = list(await s.exec(select(ServiceLogEntry)))
    exported = csv_text(EXPORT_COLUMNS, export_rows(entries))
    assert "'=HYPERLINK" in exported
    async with db.transaction() as s:
        for e in entries:
            await s.delete(e)
    await import_logs(db, exported, settings, actor=Actor("t"), now=LEDGER_NOW)
    async with db.read() as s:
        [again] = list(await s.exec(select(ServiceLogEntry)))
    assert again.summary == FORMULA


def _logs(*rows: str) -> str:
    return "\n".join([",".join(EXPORT_COLUMNS), *rows]) + "\n"


# 6. dates and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("请假 12月7日-12月1日", "结束日期早于开始日期"),
        ("请假 0001-01-01至0001-12-31", "超出允许的范围"),
        ("请假 2026-12-01至9999-12-31", "超出允许的范围"),
    ],
)
async def test_case6_bad_leave_is_refused_and_nothing_stored(
    talk: Talk, db: Database, msg: Say, text: str, reason: str
) -> None:
    [reply] = await talk(msg(text, sender=COUNSEL_WX, name="陈明远", group=None))
    assert reason in reply.text
    assert await count(db, Leave) == 0


async def test_case6_leave_across_new_year_is_read_forward(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("请假 12月28日-1月3日", sender=COUNSEL_WX, name="陈明远", group=None))
    assert "已登记请假：12月28日至1月3日" in reply.text


async def test_case6_full_width_minutes_in_chat_are_read_on_purpose(talk: Talk, msg: Say) -> None:
    [reply] = await talk(msg("记录 南岗村 电话 ３０分钟 解答", sender=COUNSEL_WX, group=None))
    assert "电话 30 分钟" in reply.text


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("L1,V1,0001-01-01,offsite,phone,30,x,", "超出允许的日期范围"),
        ("L1,V1,9999-12-31,offsite,phone,30,x,", "超出允许的日期范围"),
        ("L1,V1,20261104,offsite,phone,30,x,", "YYYY-MM-DD"),
        ("L1,V1,2026-11-04,offsite,phone,３０,x,", "整数分钟"),
        ("L1,V1,2026-11-04,offsite,phone,1_000,x,", "整数分钟"),
        ("L1,V1,2026-11-04,offsite,phone,+30,x,", "整数分钟"),
    ],
)
async def test_case6_bad_log_rows_are_refused(
    db: Database, settings: Settings, row: str, reason: str
) -> None:
    await load_roster(db, settings)
    with pytest.raises(ImportRefused, match=reason):
        await import_logs(db, _logs(row), settings, actor=Actor("t"), now=LEDGER_NOW)
    assert await count(db, ServiceLogEntry) == 0


async def test_case6_a_row_twice_in_one_file_is_refused(db: Database, settings: Settings) -> None:
    await load_roster(db, settings)
    row = "L1,V1,2026-11-04,offsite,phone,30,电话解答,"
    with pytest.raises(ImportRefused, match="与第 2 行完全相同") as err:
        await import_logs(db, _logs(row, row), settings, actor=Actor("t"), now=LEDGER_NOW)
    assert err.value.line == 3
    assert await count(db, ServiceLogEntry) == 0


def _roster(*rows: str) -> str:
    return "\n".join([",".join([*ROSTER_COLUMNS, "start", "end"]), *rows]) + "\n"


LAWYER = "示范县,东岭镇,V1,南岗村,否,L1,甲律师,示范所,0000-0000001,l1@x.example,wx_L1,否"
TRAINEE = "示范县,东岭镇,V1,南岗村,否,T1,丁实习,示范所,0000-0000009,t1@x.example,wx_T1,是"


@pytest.mark.parametrize("day", ["20250101", "0001-01-01", "9999-12-31"])
async def test_case6_bad_roster_dates_are_refused(
    db: Database, settings: Settings, day: str
) -> None:
    with pytest.raises(ImportRefused, match="start"):
        await import_roster(db, _roster(f"{LAWYER},{day},"), settings.quota)


async def test_case6_ending_the_lawyer_cannot_leave_the_trainee_alone(
    db: Database, settings: Settings
) -> None:
    await import_roster(
        db, _roster(f"{LAWYER},2026-01-01,", f"{TRAINEE},2026-01-01,"), settings.quota
    )
    with pytest.raises(ImportRefused, match="Q7") as err:
        await import_roster(db, _roster(f"{LAWYER},2026-01-01,2026-06-30"), settings.quota)
    assert err.value.line == 2
    assert "2026-07-01" in str(err.value)


# 7. secrets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret", [None, "", "   ", "replace with a long random string", "password", "xxx", "short-1"]
)
def test_case7_production_refuses_a_weak_secret_key(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="secret_key"):
        Settings(mode="production", secret_key=secret)


def test_case7_production_accepts_a_long_random_secret_key() -> None:
    assert Settings(mode="production", secret_key="k" * 31 + "Q").mode == "production"


# 8. web ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/static/style.css", "/favicon.ico", "/nowhere", "/api/sim/feed"]
)
async def test_case8_every_response_has_the_security_headers(
    db: Database, settings: Settings, dispatcher: Dispatcher, path: str
) -> None:
    app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        r = await c.get(path)
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Server"] == "vcbot"


# 9. concurrent reminder runs -----------------------------------------------------------


async def test_case9_six_concurrent_runs_of_all_reminders_queue_each_once(
    db: Database, settings: Settings
) -> None:
    from datetime import datetime, time, timedelta

    from tests.ledger_data import TZ

    await load_roster(db, settings)
    eve = datetime.combine(date(2026, 11, 22), time(18), TZ)
    async with db.transaction() as s:
        s.add(Visit(counsel_id="L1", village_id="V1", starts_at=eve + timedelta(hours=15)))

    async def run_all(pool: Database) -> int:
        return sum([await check(pool, settings, eve) for check in CHECKS.values()])

    pools = [Database(db.url.render_as_string(hide_password=False)) for _ in range(6)]
    try:
        runs = await asyncio.gather(*(run_all(p) for p in pools))
    finally:
        for p in pools:
            await p.dispose()
    async with db.read() as s:
        keys = list(await s.exec(select(OutboxMessage.dedup_key)))
    assert sum(runs) == len(keys) >= 1
    assert len(set(keys)) == len(keys)


# the dedup row is part of the handler's transaction (case 2, unit level) ----------------


async def test_case2_dedup_row_only_with_the_handled_question(
    talk: Talk, db: Database, msg: Say
) -> None:
    await talk(msg("宅基地被占了怎么办", message_id="x"))
    assert (await count(db, InboundMessage), await count(db, Question)) == (1, 1)


# the hostile-input corpus: every line, from everyone, everywhere -----------------------

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile_inputs.jsonl"
HOSTILE = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize(
    ("sender", "group"),
    [("zhangsan", GROUP), ("zhangsan", None), (COUNSEL_WX, GROUP), (COUNSEL_WX, None)],
)
async def test_corpus_every_line_is_handled_without_an_unexpected_error(
    talk: Talk, msg: Say, sender: str, group: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    for n, text in enumerate(HOSTILE):
        said = await talk(msg(text, sender=sender, group=group, message_id=f"h{n}"))
        if group is None:
            assert len(said) == 1, text  # a private message always gets one answer
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
