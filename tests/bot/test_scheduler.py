"""The reminder scheduler survives a restart: a reminder due meanwhile is sent exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.scheduler import JOB_PREFIX, ReminderScheduler, run_reminder, stored_jobs, triggers
from config import Settings
from storage.db import Database
from storage.models import OutboxMessage, Visit
from tests.ledger_data import TZ, load_roster

EVE = datetime(2026, 11, 22, 18, 0, tzinfo=TZ)  # the reminder's time, by the checks' clock
EVE_JOB = JOB_PREFIX + "visit_eve"


@pytest.fixture
async def visit_tomorrow(db: Database, settings: Settings) -> Database:
    """L1 visits V1 the morning after EVE."""
    await load_roster(db, settings)
    async with db.transaction() as s:
        s.add(Visit(counsel_id="L1", village_id="V1", starts_at=EVE + timedelta(hours=15)))
    return db


async def queued(db: Database) -> int:
    async with db.read() as s:
        return (await s.exec(select(func.count()).select_from(OutboxMessage))).one()


async def wait_for_queued(db: Database, expected: int) -> int:
    """Poll the outbox until ``expected`` messages are queued (at most 1.5 s)."""
    for _ in range(75):
        count = await queued(db)
        if count >= expected:
            return count
        await asyncio.sleep(0.02)  # the job runs inside the scheduler
    return await queued(db)


def stopped_across_reminder(db: Database, settings: Settings, late_by: timedelta) -> None:
    """Run a scheduler, then stop it; while stopped, the eve reminder's time passes."""
    first = ReminderScheduler(db, settings, name="test", clock=lambda: EVE)
    first.start(paused=True)
    first.scheduler.modify_job(EVE_JOB, next_run_time=datetime.now(UTC) - late_by)
    first.shutdown()


async def restart(db: Database, settings: Settings) -> ReminderScheduler:
    second = ReminderScheduler(db, settings, name="test", clock=lambda: EVE)
    second.start()
    return second


async def test_reminder_due_while_stopped_is_sent_once_after_restart(
    visit_tomorrow: Database, settings: Settings
) -> None:
    stopped_across_reminder(visit_tomorrow, settings, timedelta(seconds=30))
    assert await queued(visit_tomorrow) == 0
    second = await restart(visit_tomorrow, settings)
    try:
        assert await wait_for_queued(visit_tomorrow, 1) == 1
    finally:
        second.shutdown()


async def test_second_restart_and_rerun_do_not_send_again(
    visit_tomorrow: Database, settings: Settings
) -> None:
    for _ in range(2):
        stopped_across_reminder(visit_tomorrow, settings, timedelta(seconds=30))
        second = await restart(visit_tomorrow, settings)
        await wait_for_queued(visit_tomorrow, 1)
        await asyncio.sleep(0.1)
        second.shutdown()
    second = await restart(visit_tomorrow, settings)
    try:
        assert await run_reminder("visit_eve", "test") == 0
    finally:
        second.shutdown()
    assert await queued(visit_tomorrow) == 1


async def test_run_missed_beyond_grace_is_logged_and_caught_up_once(
    visit_tomorrow: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    # the eve check's daily time is put half a day from now: had it fallen in the two
    # hours before now (18:00-20:00 Shanghai), that run would be the one coalesced, due
    # within the grace time, and none would count as missed
    half_a_day = (datetime.now(settings.tz) + timedelta(hours=12)).time().replace(second=0)
    reminders = settings.reminders.model_copy(update={"eve_time": half_a_day})
    settings = settings.model_copy(update={"reminders": reminders})
    stopped_across_reminder(visit_tomorrow, settings, timedelta(hours=2))
    second = await restart(visit_tomorrow, settings)
    try:
        assert await wait_for_queued(visit_tomorrow, 1) == 1
        await asyncio.sleep(0.1)
        assert await queued(visit_tomorrow) == 1
    finally:
        second.shutdown()
    assert any("visit_eve missed its run" in r.getMessage() for r in caplog.records)


async def test_restart_keeps_the_stored_next_run_time(db: Database, settings: Settings) -> None:
    first = ReminderScheduler(db, settings, name="test")
    first.start(paused=True)
    planned = datetime(2030, 1, 1, 18, 0, tzinfo=TZ)
    first.scheduler.modify_job(EVE_JOB, next_run_time=planned)
    first.shutdown()
    second = ReminderScheduler(db, settings, name="test")
    second.start(paused=True)
    try:
        job = second.scheduler.get_job(EVE_JOB)
        assert job is not None
        assert job.next_run_time == planned
    finally:
        second.shutdown()


def test_eve_reminder_runs_at_the_eve_time_in_the_deployment_zone(settings: Settings) -> None:
    trigger = triggers(settings)["visit_eve"]
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 22, 9, 0, tzinfo=TZ))
    assert fire == datetime(2026, 11, 22, 18, 0, tzinfo=TZ)
    assert fire.date() == date(2026, 11, 22)


async def test_stored_jobs_lists_each_check_with_its_next_run(
    db: Database, settings: Settings
) -> None:
    installer = ReminderScheduler(db, settings, name="test")
    installer.start(paused=True)
    installer.shutdown()
    jobs = stored_jobs(db, settings)
    assert [j.id for j in jobs] == sorted(JOB_PREFIX + kind for kind in triggers(settings))
    assert all(j.next_run is not None and j.next_run.tzinfo is not None for j in jobs)


async def test_reading_stored_jobs_runs_none(visit_tomorrow: Database, settings: Settings) -> None:
    stopped_across_reminder(visit_tomorrow, settings, timedelta(minutes=5))
    stored_jobs(visit_tomorrow, settings)
    await asyncio.sleep(0.1)
    assert await queued(visit_tomorrow) == 0
