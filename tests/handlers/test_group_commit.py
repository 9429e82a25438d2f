"""Group commit (issue 12): messages that arrive together share one transaction, on SQLite
as on PostgreSQL. What one message's handler breaks is rolled back alone (the batch is
handled again, each message in a savepoint of its own); a batch that fails as a whole
is handled again message by message."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func
from sqlmodel import col, select

from config import Settings
from handlers.context import Context, Router
from handlers.dispatcher import Dispatcher
from handlers.ports import IncomingMessage, Target
from handlers.relay import OutboxRelay
from handlers.routing import all_routers
from handlers.texts.common import INTERNAL_ERROR
from storage.db import Database, Session
from storage.errors import InvalidInput
from storage.models import InboundMessage, Question
from tests.conftest import commits_of
from tests.fakes import RecordingTransport, village_language
from tests.handlers.conftest import Say


def tripwire() -> Router:
    """A router ahead of the real ones: 「炸」 raises a bug, 「拒」 a refusal."""
    router = Router()

    async def match(ctx: Context) -> str | None:
        text = ctx.message.text
        return text if ("炸" in text or "拒" in text) else None

    @router.route(match)
    async def explode(ctx: Context, text: str) -> None:
        await ctx.reply("这句不该发出")  # written first: the rollback must take it back
        if "炸" in text:
            raise RuntimeError("handler bug")
        raise InvalidInput("这条不受理：请换个说法。")

    return router


def statements_of(db: Database) -> list[str]:
    """The SQL the engine runs from now on, as SQLAlchemy hands it over (BEGIN,
    SAVEPOINT, COMMIT included; the prebuilt statements run on the driver are not)."""
    statements: list[str] = []
    event.listen(
        db.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: statements.append(statement),
    )
    return statements


async def questions(db: Database) -> list[tuple[str, str]]:
    async with db.read() as s:
        rows = await s.exec(select(Question.asker_id, Question.text).order_by(col(Question.id)))
        return [(a, t) for a, t in rows]


async def test_messages_arriving_together_share_a_commit_in_order(
    dispatcher: Dispatcher,
    db: Database,
    relay: OutboxRelay,
    transport: RecordingTransport,
    msg: Say,
) -> None:
    commits = commits_of(db)
    askers = [f"villager{n}" for n in range(12)]
    handled = await asyncio.gather(
        *(
            dispatcher.handle(msg(f"{n}号：宅基地被占了怎么办", sender=a))
            for n, a in enumerate(askers)
        )
    )
    assert handled == [True] * 12
    assert commits[0] <= 3  # the first alone, the rest together (12 without group commit)
    assert [a for a, _ in await questions(db)] == askers  # tickets in the order they came
    await relay.drain()
    assert len(transport.sent) == 12


async def test_a_failing_message_is_rolled_back_alone(
    db: Database,
    settings: Settings,
    dispatcher: Dispatcher,
    relay: OutboxRelay,
    transport: RecordingTransport,
    msg: Say,
) -> None:
    d = Dispatcher(db, settings, village_language(), [tripwire(), *all_routers()])
    statements = statements_of(db)
    batch = [
        msg("宅基地被占了怎么办", sender="a"),
        msg("炸", group=None, sender="b", message_id="bug-1"),
        msg("拒", group=None, sender="c", message_id="no-1"),
        msg("炸", sender="d"),  # a bug in a group: logged, nobody told
        msg("工钱不给怎么办", sender="e"),
    ]
    handled = await asyncio.gather(*(d.handle(m) for m in batch))
    assert handled == [True, False, False, False, True]
    assert any(s.startswith("SAVEPOINT") for s in statements)  # the second try's
    assert [a for a, _ in await questions(db)] == ["a", "e"]
    await relay.drain()
    private = {m.target.id: m.text for m in transport.sent if m.target.kind == "person"}
    assert private == {"b": INTERNAL_ERROR, "c": "这条不受理：请换个说法。"}
    assert not any("这句不该发出" in m.text for m in transport.sent)
    async with db.read() as s:  # the refused and the failed count as handled: no redo
        seen = set(await s.exec(select(InboundMessage.message_id)))
    assert {"bug-1", "no-1"} <= seen
    assert await d.handle(msg("拒", group=None, sender="c", message_id="no-1")) is False


async def test_a_redelivery_within_one_batch_is_handled_once(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    first = msg("宅基地被占了怎么办", message_id="wx-9")
    again = msg("宅基地被占了怎么办", message_id="wx-9")
    other = msg("工钱不给怎么办", sender="lisi")
    handled = await asyncio.gather(*(dispatcher.handle(m) for m in (other, first, again)))
    assert handled == [True, True, False]
    assert len(await questions(db)) == 2


class OnceBrokenBatch(Dispatcher):
    """Both shared transactions fail outside any handler (the database, say): the first
    try, all messages in one transaction, and the second, each in a savepoint."""

    broke_shared = False
    broke_savepoints = False

    async def _route(self, session: Session, message: IncomingMessage) -> bool:
        result = await super()._route(session, message)
        if not self.broke_shared and session.get_nested_transaction() is None:
            self.broke_shared = True
            raise ConnectionError("database went away mid-batch")
        return result

    async def _handle_in_savepoint(self, session: Session, message: IncomingMessage) -> bool:
        result = await super()._handle_in_savepoint(session, message)
        if not self.broke_savepoints:
            self.broke_savepoints = True
            raise ConnectionError("database went away mid-batch, again")
        return result


async def test_a_batch_that_fails_as_a_whole_is_handled_one_by_one(
    dispatcher: Dispatcher, db: Database, settings: Settings, msg: Say
) -> None:
    d = OnceBrokenBatch(db, settings, village_language(), all_routers())
    messages = [msg("宅基地被占了怎么办", sender=f"v{n}") for n in range(6)]
    handled = await asyncio.gather(*(d.handle(m) for m in messages))
    assert d.broke_shared
    assert d.broke_savepoints
    assert handled == [True] * 6
    assert sorted(a for a, _ in await questions(db)) == [f"v{n}" for n in range(6)]


async def test_a_batch_without_failures_takes_no_savepoint(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    statements = statements_of(db)
    askers = [f"villager{n}" for n in range(8)]
    handled = await asyncio.gather(
        *(dispatcher.handle(msg("宅基地被占了怎么办", sender=a)) for a in askers)
    )
    assert handled == [True] * 8
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    assert [a for a, _ in await questions(db)] == askers


async def test_a_caller_that_gives_up_does_not_undo_its_message(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    busy = [
        asyncio.ensure_future(dispatcher.handle(msg("宅基地被占了怎么办", sender=f"v{n}")))
        for n in range(4)
    ]
    impatient = asyncio.ensure_future(dispatcher.handle(msg("工钱不给怎么办", sender="late")))
    await asyncio.sleep(0)
    impatient.cancel()
    await asyncio.gather(*busy)
    with pytest.raises(asyncio.CancelledError):
        await impatient
    for _ in range(50):  # the batch it was queued in goes on without it
        if "late" in [a for a, _ in await questions(db)]:
            break
        await asyncio.sleep(0.01)
    assert "late" in [a for a, _ in await questions(db)]


async def test_a_single_message_takes_one_plain_transaction(
    dispatcher: Dispatcher, db: Database, msg: Say
) -> None:
    statements = statements_of(db)
    assert await dispatcher.handle(msg("宅基地被占了怎么办"))
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    async with db.read() as s:
        assert (await s.exec(select(func.count()).select_from(Question))).one() == 1


async def test_replies_of_a_shared_batch_reach_their_own_targets(
    dispatcher: Dispatcher, relay: OutboxRelay, transport: RecordingTransport, msg: Say
) -> None:
    await asyncio.gather(
        dispatcher.handle(msg("宅基地被占了怎么办", sender="a", name="阿甲")),
        dispatcher.handle(msg("帮助", group=None, sender="b", to_bot=True)),
        dispatcher.handle(msg("工钱不给怎么办", sender="c", name="阿丙")),
    )
    await relay.drain()
    group = [m for m in transport.sent if m.target == Target.group("南岗村群")]
    assert [("阿甲" in m.text, "阿丙" in m.text) for m in group] == [(True, False), (False, True)]
    assert any(m.target == Target.person("b") for m in transport.sent)
