"""A dispatcher over a real database with a small demo roster and a bound group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import pytest

from bot.language import NlpLanguage
from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.ports import IncomingMessage, OutgoingMessage
from handlers.relay import OutboxRelay
from handlers.routing import all_routers
from storage.db import Database
from storage.services.directory import bind_group
from storage.services.roster import COLUMNS, import_roster
from tests.fakes import RecordingTransport, village_language

GROUP = "南岗村群"
COUNSEL_WX = "wx_chen"
ROSTER = "\n".join(
    [
        ",".join(COLUMNS),
        "示范县,东岭镇,DL01,南岗村,否,L001,陈明远,示范正言律师事务所,0000-1000001,chen@x.example,wx_chen,否",
        "示范县,东岭镇,DL02,北坑村,否,L001,陈明远,示范正言律师事务所,0000-1000001,chen@x.example,wx_chen,否",
    ]
)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


@pytest.fixture
async def dispatcher(db: Database, settings: Settings) -> Dispatcher:
    """Roster imported, 南岗村群 bound to DL01, routers wired with the fake language."""
    await import_roster(db, ROSTER, settings.quota)
    async with db.transaction() as session:
        await bind_group(session, GROUP, "DL01", actor="test")
    return Dispatcher(db, settings, village_language(), all_routers())


@pytest.fixture
def transport() -> RecordingTransport:
    """Records what the relay delivers."""
    return RecordingTransport()


@pytest.fixture
def relay(db: Database, transport: RecordingTransport) -> OutboxRelay:
    """Delivers the test channel's outbox to the recording transport."""
    return OutboxRelay(db, ["test"], transport)


Say = Callable[..., IncomingMessage]


@pytest.fixture
def msg() -> Say:
    """Build test-channel messages with unique ids."""
    ids = count(1)

    def make(
        text: str,
        *,
        sender: str = "zhangsan",
        name: str = "张三",
        group: str | None = GROUP,
        to_bot: bool = False,
        message_id: str | None = None,
        mentioned: tuple[str, ...] = (),
        at: datetime = NOW,
        joined: tuple[str, ...] = (),
    ) -> IncomingMessage:
        return IncomingMessage(
            channel="test",
            sender_id=sender,
            sender_name=name,
            text=text,
            sent_at=at,
            group_id=group,
            mentions_bot=to_bot,
            message_id=message_id or f"m{next(ids)}",
            mentioned_ids=mentioned,
            joined=joined,
        )

    return make


@dataclass
class Talk:
    """Send a message through the dispatcher and get back what the bot delivered for it."""

    dispatcher: Dispatcher
    relay: OutboxRelay
    transport: RecordingTransport

    async def __call__(self, message: IncomingMessage) -> list[OutgoingMessage]:
        """Handle ``message``, drain the outbox, return the messages this produced."""
        before = len(self.transport.sent)
        await self.dispatcher.handle(message)
        await self.relay.drain()
        return self.transport.sent[before:]


@pytest.fixture
def talk(dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport) -> Talk:
    """A conversation with the bot over the test channel."""
    return Talk(dispatcher, relay, transport)


@pytest.fixture(scope="session")
def real_language() -> NlpLanguage:
    """The real classifier (loaded once), for tests whose point is what it decides."""
    return NlpLanguage.load()


@pytest.fixture
def real_talk(
    dispatcher: Dispatcher,
    db: Database,
    settings: Settings,
    real_language: NlpLanguage,
    relay: OutboxRelay,
    transport: RecordingTransport,
) -> Talk:
    """The same conversation as ``talk``, classified by the real classifier."""
    return Talk(Dispatcher(db, settings, real_language, all_routers()), relay, transport)
