"""Scheduled jobs, the twin of the message dispatcher: a typed context, one transaction.

A job is ``async def check(ctx: JobContext) -> None``; :func:`job` turns it into a
:data:`Check` that the scheduler and ``vcbot reminders run`` call with the database,
the settings and the time. Everything a job says leaves through the same chat port
and outbox as the message handlers' replies, held back past the quiet hours and sent
once per dedup key (PTB's ``CallbackContext.from_job`` is the model).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import wraps

from config import Settings
from handlers.outbox_chat import OutboxChat
from handlers.ports import Chat, Target
from storage.db import Database, Session
from storage.periods import local_date
from storage.services import directory

Check = Callable[[Database, Settings, datetime], Awaitable[int]]


def after_quiet_hours(now: datetime, settings: Settings) -> datetime:
    """``now``, or the end of the quiet hours when ``now`` falls in them."""
    r, local = settings.reminders, now.astimezone(settings.tz)
    start, end, clock = r.quiet_start, r.quiet_end, local.timetz().replace(tzinfo=None)
    wraps_midnight = start > end  # e.g. 21:00-08:00 spans midnight
    quiet = (clock >= start or clock < end) if wraps_midnight else (start <= clock < end)
    if not quiet:
        return now
    day = local.date() + timedelta(days=1) if wraps_midnight and clock >= start else local.date()
    return datetime.combine(day, end, settings.tz)


@dataclass(slots=True)
class JobContext:
    """Everything a job may use for one run: the session, the chat, the settings, the time."""

    session: Session
    chat: Chat
    settings: Settings
    now: datetime
    not_before: datetime
    queued: int = 0

    @classmethod
    def from_job(cls, session: Session, settings: Settings, now: datetime) -> JobContext:
        """The context of a run at ``now``: proactive channel, quiet hours respected."""
        not_before = after_quiet_hours(now, settings)
        chat = OutboxChat(
            session,
            settings.default_channel,
            not_before=not_before,
            max_chars=settings.conversation.chars_for(settings.default_channel),
        )
        return cls(session, chat, settings, now, not_before)

    @property
    def today(self) -> date:
        """The run's date in the deployment's zone."""
        return local_date(self.now, self.settings.tz)

    async def send(self, target: Target, text: str, key: str) -> None:
        """Queue ``text`` for ``target`` once under ``key``; a re-run sends nothing twice.

        A group goes through the account that is in it (the channel instance that last
        saw the room), when that account is of the proactive channel; else through the
        channel kind, which any of its instances may send.
        """
        chat = self.chat
        if target.kind == "group":
            instance = await directory.room_instance(self.session, target.id)
            if instance and instance.split(":", 1)[0] == self.settings.default_channel:
                chat = OutboxChat(
                    self.session,
                    instance,
                    not_before=self.not_before,
                    max_chars=self.settings.conversation.chars_for(instance),
                )
        if await chat.say(target, text, dedup_key=key):
            self.queued += 1


def job(body: Callable[[JobContext], Awaitable[None]]) -> Check:
    """Run ``body`` in one transaction; the check returns how many messages it queued."""

    @wraps(body)
    async def run(db: Database, settings: Settings, now: datetime) -> int:
        async with db.transaction() as session:
            ctx = JobContext.from_job(session, settings, now)
            await body(ctx)
            return ctx.queued

    return run
