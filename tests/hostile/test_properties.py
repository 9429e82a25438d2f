"""Property tests (hypothesis): whatever people type or upload, the result is a handled
message or a clear refusal, never an exception (issue 8). Pure parsers get many
examples; the paths through a real database (both backends) fewer, each a full run."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from itertools import count
from typing import TypeVar

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.console import ConsoleLineError, ConsoleParser
from bot.server import simulator_channel
from config import Settings
from handlers.counsel_parse import parse_leave, parse_record
from handlers.dispatcher import Dispatcher
from handlers.ports import IncomingMessage
from handlers.relay import OutboxRelay
from handlers.routing import all_routers
from storage.db import Database
from storage.errors import ImportRefused, InvalidInput
from storage.periods import DateWindow
from storage.services.directory import bind_group
from storage.services.ledger_io import EXPORT_COLUMNS, parse_logs
from storage.services.roster import COLUMNS, import_roster, parse_roster
from tests.fakes import RecordingTransport, village_language
from tests.handlers.conftest import GROUP, ROSTER
from web.app import create_app

TODAY = date(2026, 11, 20)
WINDOW = DateWindow.around(TODAY, 10)
VILLAGES = {"南岗村": "DL01", "南岗": "DL01", "DL01": "DL01", "北坑村": "DL02"}

# pieces people really type, mixed with anything at all
WORDS = st.sampled_from(
    [
        "记录", "南岗村", "北坑村", "电话", "微信", "驻村", "视频讲座", "30分钟", "1.5小时",
        "半小时", "2小时30分", "０", "３０分钟", "99999小时", "0分钟", "昨天", "11月3日",
        "2026-11-03", "0001-01-01", "9999-12-31", "2月30日", "#法律援助", "#", "-", "至",
        "12月1日", "12月7日", "1日", "\x00", "\ud800", "@法律顾问助手", "@张三", "：", ":",
    ]
)  # fmt: skip
TYPED = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(WORDS, st.text(max_size=4)), max_size=8).map(" ".join),
)
# VCBOT_HYPOTHESIS_SCALE=10 (say) multiplies the examples for a deeper run by hand
SCALE = int(os.environ.get("VCBOT_HYPOTHESIS_SCALE", "1"))
FAST = settings(max_examples=300 * SCALE, deadline=None)
SLOW = settings(
    max_examples=40 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# pure parsers --------------------------------------------------------------------------

T = TypeVar("T")


def attempt(call: Callable[[], T], refusal: type[Exception]) -> T | Exception:
    """The call's result, or the refusal it raised (any other exception propagates)."""
    try:
        return call()
    except refusal as err:
        return err


@FAST
@given(st.text(max_size=80))
def test_console_lines_parse_or_say_the_right_form(line: str) -> None:
    found = attempt(lambda: ConsoleParser("法律顾问助手").parse(line), ConsoleLineError)
    if isinstance(found, Exception):
        assert "发送者@群: 内容" in str(found)
    else:
        assert found.text.strip()


@FAST
@given(TYPED)
def test_record_commands_parse_or_say_what_is_wrong(text: str) -> None:
    cmd = attempt(lambda: parse_record(text, TODAY, VILLAGES), InvalidInput)
    if isinstance(cmd, Exception):
        assert str(cmd)
    else:
        assert 1 <= cmd.minutes <= 1440
        assert cmd.day <= TODAY
        assert cmd.village_id in VILLAGES.values()


@FAST
@given(TYPED)
def test_leave_parses_or_says_what_is_wrong(text: str) -> None:
    leave = attempt(lambda: parse_leave(text, TODAY), InvalidInput)
    if isinstance(leave, Exception):
        assert str(leave)
    else:
        start, end = leave
        assert start <= end
        assert start in WINDOW
        assert end in WINDOW


def csv_like(columns: tuple[str, ...]) -> st.SearchStrategy[str]:
    """The right header, then rows of plausible and implausible cells."""
    cell = st.one_of(
        st.sampled_from(["L1", "V1", "2026-11-03", "20261103", "onsite", "phone", "30", "是", ""]),
        st.text(max_size=6),
    )
    rows = st.lists(
        st.lists(cell, min_size=len(columns) - 1, max_size=len(columns) + 1), max_size=4
    )
    return rows.map(lambda rs: "\n".join([",".join(columns), *(",".join(r) for r in rs)]))


@FAST
@given(st.one_of(st.text(max_size=200), csv_like(COLUMNS)))
def test_roster_files_parse_or_name_the_line(text: str) -> None:
    rows = attempt(lambda: parse_roster(text, WINDOW), ImportRefused)
    if isinstance(rows, Exception):
        assert isinstance(rows, ImportRefused)
        assert rows.line >= 1
    else:
        assert rows


@FAST
@given(st.one_of(st.text(max_size=200), csv_like(EXPORT_COLUMNS)))
def test_log_files_parse_or_name_the_line(text: str) -> None:
    drafts = attempt(lambda: parse_logs(text, WINDOW), ImportRefused)
    if isinstance(drafts, Exception):
        assert isinstance(drafts, ImportRefused)
        assert drafts.line >= 1
    else:
        assert all(1 <= d.minutes <= 1440 for _, d in drafts)
        assert all(d.day in WINDOW for _, d in drafts)


# through the dispatcher, on a real database --------------------------------------------


class Errors(logging.Handler):
    """Collects ERROR records (an exception a handler did not expect)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    """ERROR records logged during the test."""
    handler = Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def prepared(db_url: str, settings: Settings) -> str:
    """The handlers' roster imported and the group bound, once per test."""

    async def prepare() -> None:
        db = Database(db_url)
        await import_roster(db, ROSTER, settings.quota)
        async with db.transaction() as s:
            await bind_group(s, GROUP, "DL01", actor="test")
        await db.dispose()

    asyncio.run(prepare())
    return db_url


_ids = count(1)
SENDERS = st.sampled_from(["zhangsan", "wx_chen", "x" * 200, "\x00", ""])


async def handle_once(url: str, settings: Settings, message: IncomingMessage) -> int:
    """Handle one message and deliver its replies; how many replies it got."""
    db = Database(url)
    try:
        dispatcher = Dispatcher(db, settings, village_language(), all_routers())
        transport = RecordingTransport()
        await dispatcher.handle(message)
        await OutboxRelay(db, [message.reply_channel], transport).drain()
        return len(transport.sent)
    finally:
        await db.dispose()


@SLOW
@given(text=TYPED, sender=SENDERS, in_group=st.booleans())
def test_any_message_is_handled_or_answered_never_an_exception(
    prepared: str, settings: Settings, errors: Errors, text: str, sender: str, in_group: bool
) -> None:
    message = IncomingMessage(
        channel="prop",
        sender_id=sender,
        sender_name=sender or "某人",
        text=text,
        sent_at=datetime(2026, 11, 20, 2, tzinfo=UTC),
        group_id=GROUP if in_group else None,
        message_id=f"p{next(_ids)}",
    )
    replies = asyncio.run(handle_once(prepared, settings, message))
    assert errors.records == []
    if not in_group:
        assert replies == 1  # a private message always gets an answer


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
BODIES = st.one_of(
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={
            "persona_id": st.one_of(st.text(max_size=10), JSON_VALUES),
            "text": st.one_of(TYPED, JSON_VALUES),
            "group_id": st.one_of(st.just(GROUP), st.none(), JSON_VALUES),
            "after": JSON_VALUES,
        },
    ).map(json.dumps),
    st.text(max_size=40),
)


async def post_once(url: str, settings: Settings, body: str) -> int:
    db = Database(url)
    try:
        dispatcher = Dispatcher(db, settings, village_language(), all_routers())
        app = create_app(settings, db, simulator_channel(db, settings, dispatcher))
        async with TestClient(TestServer(app, host="127.0.0.1")) as c:
            return (
                await c.post("/api/sim/send", data=body.encode("utf-8", "surrogatepass"))
            ).status
    finally:
        await db.dispose()


@SLOW
@given(body=BODIES)
def test_the_simulator_api_answers_200_or_400_never_500(
    prepared: str, settings: Settings, errors: Errors, body: str
) -> None:
    assert asyncio.run(post_once(prepared, settings, body)) in (200, 400)
    assert errors.records == []
