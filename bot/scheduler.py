"""When reminders run: APScheduler 3 with a persistent job store in the bot's own database.

The checks themselves (what to send, to whom) are plain async functions in
:mod:`handlers.reminders`; this module only times them.

Choices, on purpose:

* **Job store**: ``SQLAlchemyJobStore`` on the same database (sync driver), table
  ``apscheduler_jobs``; schedules and their next run times survive a restart.
* **Jobs carry ids, not objects**: a stored job is ``run_reminder(kind, runner)`` with two
  strings; the live database and settings are looked up in :data:`_RUNNERS` when it runs.
* **coalesce=True**: after downtime, a job that missed several runs runs once. Every
  check reconciles from the database ("on or after" its date, dedup keys), so one run
  catches up everything a series of missed runs would have done.
* **misfire_grace_time = settings.reminders.misfire_grace_seconds** (1 h): a run up to an
  hour late is simply run. A later one is *missed*: APScheduler logs it and fires
  EVENT_JOB_MISSED; we log it again with the job's meaning and queue a one-off catch-up
  run at once, so a missed run is never silently dropped. The check's dedup keys make
  sure the catch-up never sends anything twice, and quiet hours still apply to it.
* **Existing jobs are kept on start**: re-adding with ``replace_existing`` would reset
  their next run time and silently drop the run missed while the bot was stopped; a job
  is replaced only when its trigger changed in the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config import Settings
from handlers.reminders import CHECKS
from storage.db import Database, make_sync_engine

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
JOB_PREFIX = "reminder:"
CATCH_UP_PREFIX = "catch-up:"
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ReminderRunner:
    """The live objects a stored job needs: database, settings and a clock."""

    db: Database
    settings: Settings
    clock: Clock = _utcnow

    async def run(self, kind: str) -> int:
        """Run one check now; returns how many messages it queued."""
        return await CHECKS[kind](self.db, self.settings, self.clock())


_RUNNERS: dict[str, ReminderRunner] = {}


async def run_reminder(kind: str, runner: str = "main") -> int:
    """The function every stored job calls (by reference): run check ``kind``."""
    target = _RUNNERS.get(runner)
    if target is None:
        raise RuntimeError(f"reminder runner {runner!r} is not registered in this process")
    queued = await target.run(kind)
    log.info("reminder %s queued %d message(s)", kind, queued)
    return queued


def triggers(settings: Settings) -> dict[str, CronTrigger | IntervalTrigger]:
    """Each check's trigger, in the deployment's zone."""
    r, tz = settings.reminders, settings.tz
    morning = CronTrigger(hour=r.morning_time.hour, minute=r.morning_time.minute, timezone=tz)
    return {
        "visit_eve": CronTrigger(hour=r.eve_time.hour, minute=r.eve_time.minute, timezone=tz),
        "visit_morning": morning,
        "no_visit_midmonth": morning,
        "month_end_shortfall": morning,
        "month_closed_summary": morning,
        "overdue_questions": IntervalTrigger(minutes=r.question_check_minutes, timezone=tz),
    }


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A job as the job store keeps it: its id, next run (None: paused) and trigger."""

    id: str
    next_run: datetime | None
    trigger: str


class ReminderScheduler:
    """An AsyncIOScheduler over the database's job store, running the reminder checks."""

    def __init__(
        self, db: Database, settings: Settings, *, name: str = "main", clock: Clock = _utcnow
    ) -> None:
        self.name = name
        self.runner = ReminderRunner(db, settings, clock)
        self._engine = make_sync_engine(db.url)
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine, tablename=JOB_TABLE)},
            timezone=settings.tz,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": settings.reminders.misfire_grace_seconds,
                "max_instances": 1,
            },
        )
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)

    def start(self, *, paused: bool = False) -> None:
        """Register the runner, make sure every job exists, then start (needs a running loop)."""
        _RUNNERS[self.name] = self.runner
        self.scheduler.start(paused=True)
        self.install_jobs()
        if not paused:
            self.scheduler.resume()

    def install_jobs(self) -> None:
        """Add each missing job; keep existing ones unless their trigger changed."""
        for kind, trigger in triggers(self.runner.settings).items():
            job_id = JOB_PREFIX + kind
            job = self.scheduler.get_job(job_id)
            if job is not None and str(job.trigger) == str(trigger):
                continue
            if job is not None:
                log.info("reminder %s rescheduled: %s -> %s", kind, job.trigger, trigger)
            self.scheduler.add_job(
                run_reminder,
                trigger,
                args=[kind, self.name],
                id=job_id,
                name=f"提醒 {kind}",
                replace_existing=True,
            )

    def shutdown(self) -> None:
        """Stop without waiting for running checks; the job store keeps the schedule."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._engine.dispose()
        if _RUNNERS.get(self.name) is self.runner:
            del _RUNNERS[self.name]

    def jobs(self) -> list[StoredJob]:
        """The jobs in the store with their next run, in id order."""
        found = [
            StoredJob(j.id, j.next_run_time, str(j.trigger)) for j in self.scheduler.get_jobs()
        ]
        return sorted(found, key=lambda j: j.id)

    def _on_missed(self, event: JobExecutionEvent) -> None:
        """A run later than the grace time: log it and catch up once, now."""
        if not event.job_id.startswith(JOB_PREFIX):
            return
        kind = event.job_id.removeprefix(JOB_PREFIX)
        log.warning(
            "reminder %s missed its run at %s (bot stopped or busy); catching up now",
            kind,
            event.scheduled_run_time,
        )
        self.scheduler.add_job(
            run_reminder,
            "date",
            args=[kind, self.name],
            id=CATCH_UP_PREFIX + kind,
            name=f"补发 {kind}",
            replace_existing=True,
            misfire_grace_time=None,
        )


def stored_jobs(db: Database, settings: Settings) -> list[StoredJob]:
    """The stored jobs, read without adding or running any (call inside the event loop)."""
    scheduler = ReminderScheduler(db, settings, name="reader")
    scheduler.scheduler.start(paused=True)
    try:
        return scheduler.jobs()
    finally:
        scheduler.shutdown()
