"""One transaction per message, on SQLite as on PostgreSQL: a handler that fails leaves
no trace, so a redelivery is handled (issue 8, case 2)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from config import Settings
from handlers.dispatcher import Dispatcher
from handlers.routing import all_routers
from nlp.types import Classification
from storage.db import Database
from storage.models import InboundMessage, Question
from tests.fakes import FakeLanguage
from tests.handlers.conftest import Say, Talk


class BrokenLanguage(FakeLanguage):
    """Classifies by stepping on a bug, after the dedup row is written."""

    def classify(self, text: str) -> Classification:
        """Fail as an unexpected bug would."""
        raise RuntimeError("classifier bug")


async def count(db: Database, model: type[InboundMessage] | type[Question]) -> int:
    async with db.read() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def test_a_failing_handler_leaves_no_dedup_row(
    dispatcher: Dispatcher, db: Database, settings: Settings, msg: Say
) -> None:
    broken = Dispatcher(db, settings, BrokenLanguage(), all_routers())
    assert await broken.handle(msg("宅基地被占了怎么办", message_id="wx-1")) is False
    assert await count(db, InboundMessage) == 0
    assert await count(db, Question) == 0


async def test_a_redelivery_after_a_failure_is_handled(
    dispatcher: Dispatcher, db: Database, settings: Settings, talk: Talk, msg: Say
) -> None:
    broken = Dispatcher(db, settings, BrokenLanguage(), all_routers())
    await broken.handle(msg("宅基地被占了怎么办", message_id="wx-1"))
    [reply] = await talk(msg("宅基地被占了怎么办", message_id="wx-1"))
    assert "已登记" in reply.text
    assert await count(db, Question) == 1


async def test_a_redelivery_after_success_is_ignored(talk: Talk, db: Database, msg: Say) -> None:
    assert len(await talk(msg("宅基地被占了怎么办", message_id="wx-2"))) == 1
    assert await talk(msg("宅基地被占了怎么办", message_id="wx-2")) == []
    assert await count(db, Question) == 1
