"""vcbot serve: the web app and the reminder scheduler start and stop together."""

from __future__ import annotations

import asyncio
import gc

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.scheduler import JOB_PREFIX, JOB_TABLE
from bot.server import build_web_app
from config import Settings
from storage.db import make_sync_engine


def stored_jobs(url: str) -> set[str]:
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        ids = set(conn.execute(text(f"SELECT id FROM {JOB_TABLE}")).scalars())
    engine.dispose()
    return ids


async def test_serving_installs_the_reminder_jobs(db_url: str) -> None:
    settings = Settings(database_url=db_url, mode="development")
    async with TestClient(TestServer(build_web_app(settings), host="127.0.0.1")) as client:
        assert (await client.get("/")).status == 200
    jobs = stored_jobs(db_url)
    assert JOB_PREFIX + "visit_eve" in jobs
    assert JOB_PREFIX + "overdue_questions" in jobs


async def test_serving_without_reminders_installs_none(db_url: str) -> None:
    settings = Settings(database_url=db_url, mode="development")
    app = build_web_app(settings, reminders=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await client.get("/simulator")).status == 200
    assert stored_jobs(db_url) == set()


async def test_background_relay_delivers_what_a_job_queued(db_url: str) -> None:
    from storage.db import Database
    from storage.services import outbox
    from web.deps import SIMULATOR

    settings = Settings(database_url=db_url, mode="demo", default_channel="simulator")
    app = build_web_app(settings, reminders=False)
    async with TestClient(TestServer(app, host="127.0.0.1")):
        db = Database(db_url)
        async with db.transaction() as s:
            await outbox.enqueue(
                s, channel="simulator", target_kind="person", target_id="wx_x", text="提醒"
            )
        await db.dispose()
        hub = app[SIMULATOR].hub
        for _ in range(60):
            if hub.feed(None, "wx_x", 0):
                break
            await asyncio.sleep(0.05)
        assert [e.text for e in hub.feed(None, "wx_x", 0)] == ["提醒"]


async def test_a_started_server_keeps_its_start_up_objects_out_of_the_collector(
    db_url: str,
) -> None:
    """Once started, what the process holds for its life is frozen (``gc.freeze``): a
    full collection no longer walks it in the middle of a message."""
    settings = Settings(database_url=db_url, mode="development")
    gc.unfreeze()
    try:
        async with TestClient(TestServer(build_web_app(settings, reminders=False))) as client:
            assert gc.get_freeze_count() > 0
            assert (await client.get("/")).status == 200
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
