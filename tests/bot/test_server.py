"""vcbot serve: the web app and the reminder scheduler start and stop together."""

from __future__ import annotations

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
