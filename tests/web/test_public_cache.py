"""The public page's directory is read once and searched in memory (issue 12): it finds
what the SQL search finds, in the same order, and is reloaded when the roster changes."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlmodel import col

from config import Settings
from handlers.dispatcher import Dispatcher
from storage.db import Database
from storage.models import Village
from storage.services import public
from tests.web.test_public import add_place
from web.app import create_app
from web.public import DIRECTORY, PAGE, DirectoryCache


@pytest.mark.parametrize(
    ("county", "town", "text", "page", "per_page"),
    [
        (False, False, "", 1, 20),
        (True, False, "", 1, 3),
        (True, True, "", 2, 2),
        (False, False, "村", 2, 3),
        (False, False, "dl0", 1, 20),
        (False, False, "%", 1, 20),
        (False, False, "没有", 1, 20),
        (True, False, "屋", 9, 2),
    ],
)
async def test_the_snapshot_finds_what_sql_finds(
    db: Database,
    dispatcher: Dispatcher,
    county: bool,
    town: bool,
    text: str,
    page: int,
    per_page: int,
) -> None:
    county_id, town_id = await add_place(
        db, "示范县", "西岭镇", [(f"XL{i:02d}", f"新屋{i}村") for i in range(7)]
    )
    await add_place(db, "东县", "甲镇", [("A01", "村甲"), ("a02", "村乙%")])
    async with db.read() as session:
        snapshot = await public.load_directory(session)
        args = {
            "county_id": county_id if county else None,
            "town_id": town_id if town else None,
            "text": text,
            "page": page,
            "per_page": per_page,
        }
        assert snapshot.find(**args) == await public.find_villages(session, **args)  # type: ignore[arg-type]
        assert snapshot.counties == await public.counties(session)
        assert snapshot.towns[county_id] == await public.towns(session, county_id)


async def test_the_cache_reloads_when_the_roster_changes(
    db: Database, dispatcher: Dispatcher, settings: Settings
) -> None:
    live = DirectoryCache(seconds=0)
    held = DirectoryCache(seconds=3600)
    async with db.read() as session:
        first = await live.get(session)
        assert first is await live.get(session)  # unchanged: not reloaded
        await held.get(session)
    await add_place(db, "示范县", "西岭镇", [("XL99", "新村")])
    async with db.read() as session:
        reloaded = await live.get(session)
        stale = await held.get(session)
    assert reloaded is not first
    assert reloaded.find(text="新村").total == 1
    assert stale.find(text="新村").total == 0  # until public_cache_seconds have passed


async def test_pages_without_a_card_are_kept_until_the_roster_changes(
    db: Database, settings: Settings, dispatcher: Dispatcher
) -> None:
    live = settings.model_copy(
        update={"web": settings.web.model_copy(update={"public_cache_seconds": 0})}
    )
    app = create_app(live, db)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        first = await (await client.get("/", params={"q": "村"})).text()
        cache = app[DIRECTORY]

        def pages() -> int:
            return sum(kind == PAGE for _, kind, _ in cache._pages)

        assert pages() == 1
        assert first == await (await client.get("/", params={"q": "村"})).text()
        await client.get("/", params={"village": "DL01"})  # a card: read live, never kept
        assert pages() == 1
        await add_place(db, "示范县", "西岭镇", [("XL77", "新添村")])
        after = await (await client.get("/", params={"q": "村"})).text()
    assert "新添村" not in first
    assert "新添村" in after


async def test_a_renamed_village_is_seen_at_the_next_check(
    db: Database, dispatcher: Dispatcher
) -> None:
    """A rename moves no count and no largest id: the roster's token still changes."""
    await add_place(db, "示范县", "西岭镇", [("XL55", "旧名村")])
    live = DirectoryCache(seconds=0)
    async with db.read() as session:
        before = await live.get(session)
    async with db.transaction() as session:
        await session.exec(update(Village).where(col(Village.id) == "XL55").values(name="新名村"))
    async with db.read() as session:
        after = await live.get(session)
    assert before.find(text="旧名村").total == 1
    assert after.version != before.version
    assert after.find(text="旧名村").total == 0
    assert after.find(text="新名村").total == 1
