"""End to end through the Wechaty puppet-service protocol: the npm server with the official
mock puppet on one side, the bot's WeChat channel on the other (issue 9)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.channels.wechat import WechatChannel, WechatOptions
from bot.language import NlpLanguage
from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.routing import all_routers
from storage.db import Database
from storage.services.directory import bind_group, rooms_seen
from storage.services.roster import COLUMNS, import_roster
from tests.wechaty.conftest import TOKEN, MockServer, requires_node

pytestmark = requires_node

ROOM = "R_1@chatroom"
ROSTER = ",".join(COLUMNS) + (
    "\n示范县,东岭镇,DL01,南岗村,否,L001,陈明远,示范正言律师事务所,0000-1000001,"
    "chen@x.example,wx_chen,否\n"
)


@dataclass
class Bot:
    """The WeChat channel running against a mock server."""

    channel: WechatChannel
    stop: asyncio.Event

    async def connected(self, seconds: float = 30) -> None:
        """Wait until the channel is logged in."""
        await asyncio.wait_for(self.channel.connected.wait(), seconds)


@pytest.fixture(scope="module")
def language() -> NlpLanguage:
    """The real classifier (the test checks the category in the reply)."""
    return NlpLanguage.load()


@pytest.fixture
async def bot(
    db: Database, settings: Settings, language: NlpLanguage, mock_server: MockServer
) -> AsyncIterator[Bot]:
    """Roster imported, the mock room bound to 南岗村, the channel connected."""
    await import_roster(db, ROSTER, settings.quota)
    async with db.transaction() as s:
        await bind_group(s, ROOM, "DL01", actor="test")
    options = WechatOptions(
        mock_server.endpoint, TOKEN, watchdog_seconds=6, pace_seconds=0.05, pace_jitter_seconds=0
    )
    channel = WechatChannel(options, Dispatcher(db, settings, language, all_routers()), db)
    stop = asyncio.Event()
    task = asyncio.create_task(channel.run(stop))
    running = Bot(channel, stop)
    await running.connected()
    yield running
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 15)


async def test_a_question_in_the_room_is_answered_there_with_a_real_mention(
    bot: Bot, mock_server: MockServer
) -> None:
    await mock_server.say("c_zs", "隔壁把我家宅基地占了一半，该找谁", room=ROOM)
    [reply] = await mock_server.wait_for_sent(1)
    assert reply["to"] == ROOM
    assert "宅基地" in reply["text"]
    assert "@陈明远" in reply["text"]
    assert set(reply["mentions"]) == {"c_zs", "c_chen"}  # contact ids: the phones ring
    async with bot.channel.db.read() as s:
        [(room, village)] = await rooms_seen(s)
    assert (room.id, room.topic, room.members) == (ROOM, "南岗村群", 4)
    assert village is not None
    assert village.id == "DL01"


async def test_chit_chat_is_left_alone(bot: Bot, mock_server: MockServer) -> None:
    await mock_server.say("c_ls", "哈哈哈 好的", room=ROOM)
    await asyncio.sleep(1.5)
    assert mock_server.sent == []


async def test_the_counsel_is_recognised_by_weixin_in_private(
    bot: Bot, mock_server: MockServer
) -> None:
    await mock_server.say("c_chen", "本月进度")
    [reply] = await mock_server.wait_for_sent(1)
    assert reply["to"] == "c_chen"
    assert "服务进度" in reply["text"]


async def test_after_a_server_restart_the_next_question_is_answered_once(
    bot: Bot, mock_server: MockServer
) -> None:
    await mock_server.say("c_zs", "隔壁把我家宅基地占了一半，该找谁", room=ROOM)
    await mock_server.wait_for_sent(1)
    await mock_server.stop()
    restarted = MockServer(mock_server.port)
    await restarted.start()
    try:
        for _ in range(600):  # the channel notices, backs off, reconnects and logs in again
            if bot.channel.connected.is_set() and bot.channel.account.self_id:
                break
            await asyncio.sleep(0.05)
        await restarted.say("c_ls", "老板欠了我三个月工钱不给，咋办", room=ROOM)
        replies = await restarted.wait_for_sent(1, seconds=30)
        await asyncio.sleep(1.0)  # time for a duplicate to show, if there were one
    finally:
        await restarted.stop()
    assert len(mock_server.sent) == 1
    [reply] = replies
    assert "@李四" in reply["text"]
    assert len(restarted.sent) == 1


async def test_a_reply_committed_before_a_crash_goes_out_once_after_restart(
    db: Database, settings: Settings, language: NlpLanguage, mock_server: MockServer
) -> None:
    await import_roster(db, ROSTER, settings.quota)
    async with db.transaction() as s:
        await bind_group(s, ROOM, "DL01", actor="test")
    dispatcher = Dispatcher(db, settings, language, all_routers())
    options = WechatOptions(mock_server.endpoint, TOKEN, pace_seconds=0.05, pace_jitter_seconds=0)
    crashed = WechatChannel(options, dispatcher, db)
    crashed.account.self_id = "bot_self"
    crashed.account.contacts["c_zs"] = ("张三", "")
    message = crashed.incoming(_payload("老板欠了我三个月工钱不给，咋办"))
    assert message is not None
    await dispatcher.handle(message)  # question and reply committed; then the process died
    restarted = WechatChannel(options, dispatcher, db)
    stop = asyncio.Event()
    task = asyncio.create_task(restarted.run(stop))
    try:
        replies = await mock_server.wait_for_sent(1)
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert len(replies) == 1
    assert "@张三" in replies[0]["text"]


async def test_a_silent_stream_is_noticed_and_the_channel_reconnects(
    bot: Bot, mock_server: MockServer
) -> None:
    mock_server.pause()  # the server hangs: no event, no answer, the socket stays open
    for _ in range(300):
        if not bot.channel.connected.is_set():
            break
        await asyncio.sleep(0.05)
    assert not bot.channel.connected.is_set()
    mock_server.resume()
    await bot.connected()
    await mock_server.say("c_zs", "隔壁把我家宅基地占了一半，该找谁", room=ROOM)
    replies = await mock_server.wait_for_sent(1)
    await asyncio.sleep(1.0)
    assert len(replies) == 1


@dataclass
class _Kind:
    name: str = "MESSAGE_TYPE_TEXT"


@dataclass
class _Payload:
    text: str
    id: str = "crash-1"
    from_id: str = "c_zs"
    room_id: str = ROOM
    type: _Kind = field(default_factory=_Kind)
    timestamp: int = 0
    mention_ids: list[str] = field(default_factory=list)


def _payload(text: str) -> _Payload:
    return _Payload(text)
