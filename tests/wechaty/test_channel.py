"""The WeChat channel's reading of payloads and the serve command's checks, without a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.channels.wechat import WechatChannel, WechatOptions
from bot.cli import main
from bot.wechaty_compat import load, sent_at_of
from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from tests.fakes import village_language

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class Kind(Enum):
    """Stands in for the protocol's MessageType enum (only the name is read)."""

    MESSAGE_TYPE_TEXT = 6
    MESSAGE_TYPE_IMAGE = 5


@dataclass
class Payload:
    """A message payload as the puppet service returns it."""

    text: str
    from_id: str = "c_zs"
    room_id: str = "R_1@chatroom"
    id: str = "m1"
    type: Kind = Kind.MESSAGE_TYPE_TEXT
    timestamp: int = int(START.timestamp() * 1000)
    mention_ids: list[str] = field(default_factory=list)


@pytest.fixture
def channel(db: Database, settings: Settings) -> WechatChannel:
    """A channel logged in as bot_self (法律顾问助手), never connected."""
    dispatcher = Dispatcher(db, settings, village_language(), [])
    found = WechatChannel(WechatOptions("127.0.0.1:1", "t"), dispatcher, db, clock=lambda: START)
    found.account.self_id, found.account.self_name = "bot_self", "法律顾问助手"
    found.account.contacts["c_chen"] = ("陈明远", "wx_chen")
    return found


def test_a_group_text_becomes_a_message_of_this_instance(channel: WechatChannel) -> None:
    m = channel.incoming(Payload("宅基地被占了怎么办"))
    assert m is not None
    assert (m.group_id, m.sender_id, m.message_id) == ("R_1@chatroom", "c_zs", "m1")
    assert m.instance == "wechat:bot_self"
    assert m.sent_at == START


def test_the_bots_own_echo_is_ignored(channel: WechatChannel) -> None:
    assert channel.incoming(Payload("已登记", from_id="bot_self")) is None


def test_nothing_is_read_before_login(channel: WechatChannel) -> None:
    channel.account.self_id = ""
    assert channel.incoming(Payload("宅基地被占了怎么办")) is None


def test_a_message_older_than_the_window_is_ignored(channel: WechatChannel) -> None:
    old = int((START - timedelta(minutes=6)).timestamp() * 1000)
    assert channel.incoming(Payload("旧消息", timestamp=old)) is None
    recent = int((START - timedelta(minutes=4)).timestamp() * 1000)
    assert channel.incoming(Payload("刚才的消息", timestamp=recent)) is not None


def test_a_picture_is_ignored(channel: WechatChannel) -> None:
    assert channel.incoming(Payload("", type=Kind.MESSAGE_TYPE_IMAGE)) is None


def test_the_bots_mention_is_read_from_the_list_and_taken_out_of_the_text(
    channel: WechatChannel,
) -> None:
    m = channel.incoming(Payload("@法律顾问助手\u2005在吗", mention_ids=["bot_self", "c_ls"]))
    assert m is not None
    assert (m.mentions_bot, m.text, m.mentioned_ids) == (True, "在吗", ("c_ls",))


def test_the_counsels_weixin_rides_along_as_an_alias(channel: WechatChannel) -> None:
    m = channel.incoming(Payload("本月进度", from_id="c_chen", room_id=""))
    assert m is not None
    assert (m.group_id, m.sender_name, m.sender_aliases) == (None, "陈明远", ("wx_chen",))


def test_milliseconds_and_seconds_are_both_read() -> None:
    seconds = int(START.timestamp())
    assert sent_at_of(Payload("x", timestamp=seconds * 1000), START) == START
    assert sent_at_of(Payload("x", timestamp=seconds), START) == START
    assert sent_at_of(Payload("x", timestamp=0), START) == START


def test_the_shim_makes_the_client_importable() -> None:
    service, options = load()
    assert hash(options(end_point="127.0.0.1:1", token="t"))
    assert service.__name__ == "PuppetService"


@pytest.fixture
def no_puppet_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No WECHATY_* variables and no configuration file."""
    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_ENDPOINT", raising=False)
    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_TOKEN", raising=False)
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))


@pytest.mark.usefixtures("no_puppet_env")
def test_serve_without_an_endpoint_says_which_variable() -> None:
    out = CliRunner().invoke(main, ["serve", "--channel", "wechaty"])
    assert out.exit_code == 1
    assert "WECHATY_PUPPET_SERVICE_ENDPOINT" in out.stderr


@pytest.mark.usefixtures("no_puppet_env")
@pytest.mark.parametrize("token", ["", "changeme", "xxx"])
def test_serve_refuses_a_missing_or_placeholder_token(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "127.0.0.1:8788")
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", token)
    out = CliRunner().invoke(main, ["serve", "--channel", "wechaty"])
    assert out.exit_code == 1
    assert "WECHATY_PUPPET_SERVICE_TOKEN" in out.stderr
    assert out.stderr.startswith("错误：")


@pytest.mark.parametrize("limit", [5, 10, 40])
def test_a_long_reply_is_split_in_order_within_the_limit(limit: int) -> None:
    from handlers.ports import split_text

    text = "第一行：问题已登记\n第二行：按这个顺序依法解决\n" + "很长" * 30 + "\n最后一行"
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_short_reply_is_one_part() -> None:
    from handlers.ports import split_text

    assert split_text("你好\n再见", 1500) == ["你好\n再见"]


async def test_a_split_message_whose_second_part_fails_is_reported_not_resent(
    db: Database,
) -> None:
    from handlers.ports import OutgoingMessage
    from handlers.relay import DeliveryUncertain, OutboxRelay
    from storage.services import outbox

    sent: list[str] = []

    class HalfWay:
        async def deliver(self, message: OutgoingMessage) -> None:
            sent.append(message.text[:10])
            raise DeliveryUncertain("part 2 failed")

    async with db.transaction() as s:
        await outbox.enqueue(s, channel="t", target_kind="group", target_id="g", text="长回复")
    relay = OutboxRelay(db, ["t"], HalfWay(), clock=lambda: datetime.now(UTC) + timedelta(1))
    assert await relay.drain() == 0
    assert await relay.drain() == 0  # not claimed again
    assert sent == ["长回复"]
    assert (await outbox.counts(db)).uncertain == 1


async def test_delivery_while_disconnected_is_unavailable_not_a_failure(
    channel: WechatChannel,
) -> None:
    from handlers.ports import OutgoingMessage, Target
    from handlers.relay import TransportUnavailable

    with pytest.raises(TransportUnavailable):
        await channel.deliver(OutgoingMessage(Target.group("R_1@chatroom"), "你好"))


async def test_a_logout_stops_delivery(channel: WechatChannel) -> None:
    channel.connected.set()
    await channel._on_logout(None)
    assert not channel.connected.is_set()


def test_an_overlong_account_id_still_fits_the_channel_column(channel: WechatChannel) -> None:
    channel.account.self_id = "@" + "f" * 64  # a web-protocol contact id
    first = channel.instance
    assert len(first) <= 64
    channel.account.self_id = "@" + "f" * 64
    assert channel.instance == first  # deterministic


async def test_a_room_join_becomes_a_join_event_with_names(channel: WechatChannel) -> None:
    from bot.channels.wechat import _Join

    channel.account.contacts["c_zl"] = ("赵六", "")
    joined = await channel.joined(
        _Join("R_1@chatroom", ("c_zl", "bot_self"), START.timestamp() * 1000)
    )
    assert joined is not None
    assert (joined.group_id, joined.joined, joined.text) == ("R_1@chatroom", ("赵六",), "")
    assert joined.sent_at == START
    assert await channel.joined(_Join("R_1@chatroom", ("bot_self",), 0)) is None
