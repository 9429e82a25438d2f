"""What the reminders send, and to whom (issue 4, Q1, G6): plain async checks.

Each check looks at the database as it is at ``now`` and queues what is due in the
outbox under a dedup key, so running a check twice (a restart, a catch-up after a
missed run) never sends anything twice. Checks that depend on a date test "on or after"
that date, so a run missed while the bot was down is caught up by the next one.
bot/scheduler.py decides *when* they run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from handlers import texts
from storage.db import Database
from storage.models import ChatGroup, Counsel, County, Question, Village, Visit
from storage.periods import Month, close_date, local_date
from storage.services import directory, outbox
from storage.services.leave import on_leave
from storage.services.reports import ReportRow, month_report

log = logging.getLogger(__name__)

Check = Callable[[Database, Settings, datetime], Awaitable[int]]
SUMMARY_MAX_LINES = 30


def after_quiet_hours(now: datetime, settings: Settings) -> datetime:
    """``now``, or the end of the quiet hours when ``now`` falls in them."""
    r, local = settings.reminders, now.astimezone(settings.tz)
    start, end, clock = r.quiet_start, r.quiet_end, local.timetz().replace(tzinfo=None)
    wraps = start > end  # e.g. 21:00-08:00 spans midnight
    quiet = (clock >= start or clock < end) if wraps else (start <= clock < end)
    if not quiet:
        return now
    day = local.date() + timedelta(days=1) if wraps and clock >= start else local.date()
    return datetime.combine(day, end, settings.tz)


class Sender:
    """Queues reminders in one transaction: dedup key, quiet hours, the proactive channel."""

    def __init__(self, session: AsyncSession, settings: Settings, now: datetime) -> None:
        self.session = session
        self.settings = settings
        self.not_before = after_quiet_hours(now, settings)
        self.queued = 0

    async def send(self, kind: str, target_id: str, text: str, dedup_key: str) -> None:
        """Queue ``text`` for a person or group unless ``dedup_key`` was used before."""
        row = await outbox.enqueue(
            self.session,
            channel=self.settings.default_channel,
            target_kind=kind,
            target_id=target_id,
            text=text,
            not_before=self.not_before,
            dedup_key=dedup_key,
        )
        if row is not None:
            self.queued += 1


def _when(moment: datetime, settings: Settings) -> str:
    local = moment.astimezone(settings.tz)
    return f"{texts.md(local.date())} {local:%H:%M}"


def _day_bounds(day: date, settings: Settings) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), settings.tz)
    return start, start + timedelta(days=1)


async def _visits_on(session: AsyncSession, day: date, settings: Settings) -> list[Visit]:
    start, end = _day_bounds(day, settings)
    stmt = select(Visit).where(
        Visit.status == "scheduled", col(Visit.starts_at) >= start, col(Visit.starts_at) < end
    )
    return list(await session.exec(stmt.order_by(col(Visit.starts_at))))


async def visit_eve(db: Database, settings: Settings, now: datetime) -> int:
    """To each counsel with a visit scheduled tomorrow (not while on leave)."""
    today = local_date(now, settings.tz)
    tomorrow = today + timedelta(days=1)
    async with db.transaction() as session:
        sender = Sender(session, settings, now)
        visits = await _visits_on(session, tomorrow, settings)
        away = await on_leave(session, {v.counsel_id for v in visits}, today)
        for visit in visits:
            counsel = await session.get(Counsel, visit.counsel_id)
            village = await session.get(Village, visit.village_id)
            if counsel is None or village is None or not counsel.wechat or counsel.id in away:
                continue
            text = texts.visit_eve_reminder(
                village=village.name, when=_when(visit.starts_at, settings)
            )
            await sender.send("person", counsel.wechat, text, f"visit-eve:{visit.id}:{tomorrow}")
        return sender.queued


async def visit_morning(db: Database, settings: Settings, now: datetime) -> int:
    """To each village group whose counsel visits today."""
    today = local_date(now, settings.tz)
    async with db.transaction() as session:
        sender = Sender(session, settings, now)
        for visit in await _visits_on(session, today, settings):
            counsel = await session.get(Counsel, visit.counsel_id)
            groups = await session.exec(
                select(ChatGroup).where(ChatGroup.village_id == visit.village_id)
            )
            text = texts.visit_morning_notice(
                counsel=counsel.name if counsel else "",
                when=f"{visit.starts_at.astimezone(settings.tz):%H:%M}",
            )
            for group in groups:
                await sender.send(
                    "group", group.id, text, f"visit-morning:{visit.id}:{today}:{group.id}"
                )
        return sender.queued


async def _month_rows(
    session: AsyncSession, settings: Settings, month: Month, today: date
) -> dict[str, list[ReportRow]]:
    """This month's report rows grouped by counsel."""
    rows = await month_report(session, month, settings, today)
    by_counsel: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        by_counsel[row.pair.counsel_id].append(row)
    return by_counsel


async def _wechat_ids(session: AsyncSession, counsel_ids: set[str]) -> dict[str, str]:
    stmt = select(Counsel).where(col(Counsel.id).in_(counsel_ids))
    return {c.id: c.wechat for c in await session.exec(stmt) if c.wechat}


async def no_visit_midmonth(db: Database, settings: Settings, now: datetime) -> int:
    """Q1: once the month is half over, to each counsel with a village not yet visited."""
    today = local_date(now, settings.tz)
    month = Month.of(today)
    if today.day <= month.days // 2:
        return 0

    def message(rows: list[ReportRow]) -> str | None:
        villages = [r.pair.village_name for r in rows if r.result.visits == 0]
        return texts.no_visit_reminder(month=str(month), villages=villages) if villages else None

    return await _to_each_counsel(db, settings, now, month, "midmonth", message)


async def _to_each_counsel(
    db: Database,
    settings: Settings,
    now: datetime,
    month: Month,
    key: str,
    message: Callable[[list[ReportRow]], str | None],
) -> int:
    """Queue ``message(rows)`` to each reachable counsel, once per month under ``key``."""
    today = local_date(now, settings.tz)
    async with db.transaction() as session:
        sender = Sender(session, settings, now)
        by_counsel = await _month_rows(session, settings, month, today)
        targets = await _reachable(session, set(by_counsel), today)
        for counsel_id, rows in by_counsel.items():
            text = message(rows)
            if text and counsel_id in targets:
                await sender.send(
                    "person", targets[counsel_id], text, f"{key}:{month}:{counsel_id}"
                )
        return sender.queued


async def _reachable(session: AsyncSession, counsel_ids: set[str], day: date) -> dict[str, str]:
    """WeChat ids of the counsel who have one and are not on leave on ``day``."""
    ids = await _wechat_ids(session, counsel_ids)
    away = await on_leave(session, ids, day)
    return {c: w for c, w in ids.items() if c not in away}


def _shortfall_line(row: ReportRow) -> str:
    r = row.result
    parts = [] if r.hours_met else [f"还差 {r.shortfall} 分钟"]
    parts += [] if r.visits_met else ["本月还没有现场服务"]
    return f"{row.pair.village_name}：{'，'.join(parts)}"


async def month_end_shortfall(db: Database, settings: Settings, now: datetime) -> int:
    """N days before the month ends, to each counsel: what each village still misses."""
    today = local_date(now, settings.tz)
    month = Month.of(today)
    days_left = (month.last - today).days
    if days_left > settings.reminders.days_before_month_end:
        return 0

    def message(rows: list[ReportRow]) -> str | None:
        lines = [
            _shortfall_line(r) for r in rows if not (r.result.hours_met and r.result.visits_met)
        ]
        if not lines:
            return None
        return texts.shortfall_reminder(month=str(month), days_left=days_left + 1, lines=lines)

    return await _to_each_counsel(db, settings, now, month, "month-end", message)


async def overdue_questions(db: Database, settings: Settings, now: datetime) -> int:
    """G6: a question waiting past the limit goes to the counsel; past twice, to the bureau."""
    limit = timedelta(hours=settings.reminders.first_response_hours)
    today = local_date(now, settings.tz)
    async with db.transaction() as session:
        sender = Sender(session, settings, now)
        stmt = select(Question).where(
            Question.status == "open", col(Question.asked_at) <= now - limit
        )
        for question in await session.exec(stmt.order_by(col(Question.id))):
            await _remind_question(session, sender, question, now, today, limit)
        return sender.queued


async def _remind_question(
    session: AsyncSession, sender: Sender, q: Question, now: datetime, today: date, limit: timedelta
) -> None:
    village = await session.get(Village, q.village_id)
    if village is None:
        return
    counsel = await directory.counsel_of_village(session, village.id, today)
    away = await on_leave(session, {c.id for c in counsel if c.id}, today)
    hours = int((now - q.asked_at).total_seconds() // 3600)
    ticket, asker = q.id or 0, q.asker_name or "村民"
    waiting = texts.question_waiting(ticket=ticket, village=village.name, asker=asker, hours=hours)
    for c in counsel:
        if c.wechat and c.id not in away:
            await sender.send("person", c.wechat, waiting, f"q-wait:{q.id}:{c.id}")
    if now - q.asked_at < 2 * limit:
        return
    place = await directory.place_of(session, village)
    bureau = await directory.bureau_contact(session, place.county)
    if bureau:
        text = texts.question_escalated(
            ticket=ticket,
            village=village.name,
            asker=asker,
            hours=hours,
            counsel="、".join(c.name for c in counsel),
        )
        await sender.send("person", bureau, text, f"q-escalate:{q.id}")


async def month_closed_summary(db: Database, settings: Settings, now: datetime) -> int:
    """After last month closed, to each county bureau contact: who missed what."""
    today = local_date(now, settings.tz)
    month = Month.of(today).previous()
    if today < close_date(month, settings.quota.month_close_day):
        return 0
    async with db.transaction() as session:
        sender = Sender(session, settings, now)
        rows = await month_report(session, month, settings, today)
        counties = {c.name: c for c in await session.exec(select(County))}
        by_county: dict[str, list[ReportRow]] = defaultdict(list)
        for row in rows:
            by_county[row.pair.county].append(row)
        for name, county_rows in by_county.items():
            county = counties.get(name)
            if county is None or not county.bureau_contact_id:
                continue
            text = _summary_text(month, name, county_rows)
            await sender.send(
                "person", county.bureau_contact_id, text, f"month-summary:{month}:{county.id}"
            )
        return sender.queued


def _summary_text(month: Month, county: str, rows: list[ReportRow]) -> str:
    counts: dict[str, int] = defaultdict(int)
    lines: list[str] = []
    for row in rows:
        counts[row.result.status] += 1
        if row.result.status == "missed":
            r = row.result
            lines.append(
                f"{row.pair.village_name}（{row.pair.counsel_name}）：计 {r.credited}/{r.required} 分钟，"
                f"现场 {r.visits} 次"
            )
    if len(lines) > SUMMARY_MAX_LINES:
        rest = len(lines) - SUMMARY_MAX_LINES
        lines = [*lines[:SUMMARY_MAX_LINES], f"……另有 {rest} 个，详见 vcbot report --month {month}"]
    return texts.month_summary(month=str(month), county=county, counts=dict(counts), lines=lines)


CHECKS: dict[str, Check] = {
    "visit_eve": visit_eve,
    "visit_morning": visit_morning,
    "no_visit_midmonth": no_visit_midmonth,
    "month_end_shortfall": month_end_shortfall,
    "overdue_questions": overdue_questions,
    "month_closed_summary": month_closed_summary,
}
