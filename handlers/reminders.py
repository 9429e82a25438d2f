"""What the reminders send, and to whom (issue 4, Q1, G6): jobs over a :class:`JobContext`.

Each check looks at the database as it is at ``ctx.now`` and says what is due through
the job's chat under a dedup key, so running a check twice (a restart, a catch-up
after a missed run) never sends anything twice. Checks that depend on a date test
"on or after" that date, so a run missed while the bot was down is caught up by the
next one. bot/scheduler.py decides *when* they run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from handlers.jobs import Check, JobContext, job
from handlers.ports import Target
from handlers.texts import reminders as texts
from handlers.texts.common import hm_span, md_hm
from storage.models import Question, Visit
from storage.periods import Month, close_date
from storage.services import directory, questions, visits
from storage.services.leave import on_leave
from storage.services.reports.month import ReportRow, month_report


async def _visits_on(ctx: JobContext, day: date) -> list[Visit]:
    start = datetime.combine(day, time(0), ctx.settings.tz)
    return await visits.scheduled_between(ctx.session, start, start + timedelta(days=1))


@job
async def visit_eve(ctx: JobContext) -> None:
    """To each counsel with a visit scheduled tomorrow (not while on leave), and to the
    village's groups."""
    tomorrow = ctx.today + timedelta(days=1)
    planned = await _visits_on(ctx, tomorrow)
    wechat = await directory.wechat_ids(ctx.session, {v.counsel_id for v in planned})
    away = await on_leave(ctx.session, set(wechat), ctx.today)
    names = await directory.village_names(ctx.session, {v.village_id for v in planned})
    for visit in planned:
        if visit.counsel_id not in wechat or visit.counsel_id in away:
            continue
        village = names.get(visit.village_id)
        if village is None:
            continue
        text = texts.visit_eve_reminder(
            village=village, when=md_hm(visit.starts_at, ctx.settings.tz)
        )
        key = f"visit-eve:{visit.id}:{tomorrow}"
        await ctx.send(Target.person(wechat[visit.counsel_id]), text, key)
        await _tell_groups(ctx, visit, "eve", tomorrow)


async def _tell_groups(ctx: JobContext, visit: Visit, when: str, day: date) -> None:
    """The village's groups are told of the visit (the evening before, or that morning)."""
    counsel = await directory.counsel_by_id(ctx.session, visit.counsel_id)
    name = counsel.name if counsel else ""
    if when == "eve":
        text = texts.visit_eve_notice(
            counsel=name,
            when=hm_span(visit.starts_at, visit.ends_at, ctx.settings.tz),
            place=visit.place,
        )
    else:
        text = texts.visit_morning_notice(
            counsel=name,
            when=hm_span(visit.starts_at, visit.ends_at, ctx.settings.tz),
            place=visit.place,
        )
    for group in await directory.groups_of_village(ctx.session, visit.village_id):
        key = f"visit-{'eve-group' if when == 'eve' else 'morning'}:{visit.id}:{day}:{group.id}"
        await ctx.send(Target.group(group.id), text, key)


@job
async def visit_morning(ctx: JobContext) -> None:
    """To each village group whose counsel visits today."""
    for visit in await _visits_on(ctx, ctx.today):
        await _tell_groups(ctx, visit, "morning", ctx.today)


async def _month_rows(ctx: JobContext, month: Month) -> dict[str, list[ReportRow]]:
    """The month's report rows grouped by counsel."""
    by_counsel: dict[str, list[ReportRow]] = defaultdict(list)
    for row in await month_report(ctx.session, month, ctx.settings, ctx.today):
        by_counsel[row.pair.counsel_id].append(row)
    return by_counsel


async def _reachable(ctx: JobContext, counsel_ids: set[str]) -> dict[str, str]:
    """WeChat ids of the counsel who have one and are not on leave today."""
    ids = await directory.wechat_ids(ctx.session, counsel_ids)
    away = await on_leave(ctx.session, set(ids), ctx.today)
    return {c: w for c, w in ids.items() if c not in away}


async def _to_each_counsel(
    ctx: JobContext, month: Month, key: str, message: Callable[[list[ReportRow]], str | None]
) -> None:
    """Send ``message(rows)`` to each reachable counsel, once per month under ``key``."""
    by_counsel = await _month_rows(ctx, month)
    targets = await _reachable(ctx, set(by_counsel))
    for counsel_id, rows in by_counsel.items():
        text = message(rows)
        if text and counsel_id in targets:
            await ctx.send(Target.person(targets[counsel_id]), text, f"{key}:{month}:{counsel_id}")


@job
async def no_visit_midmonth(ctx: JobContext) -> None:
    """Q1: once the month is half over, to each counsel with a village not yet visited."""
    month = Month.of(ctx.today)
    if ctx.today.day <= month.days // 2:
        return

    def message(rows: list[ReportRow]) -> str | None:
        villages = [r.pair.village_name for r in rows if r.result.visits == 0]
        return texts.no_visit_reminder(month=str(month), villages=villages) if villages else None

    await _to_each_counsel(ctx, month, "midmonth", message)


def _shortfall_line(row: ReportRow) -> str:
    r = row.result
    return texts.shortfall_line(
        village=row.pair.village_name,
        shortfall=r.shortfall,
        hours_met=r.hours_met,
        visits_met=r.visits_met,
    )


@job
async def month_end_shortfall(ctx: JobContext) -> None:
    """N days before the month ends, to each counsel: what each village still misses."""
    month = Month.of(ctx.today)
    days_left = (month.last - ctx.today).days
    if days_left > ctx.settings.reminders.days_before_month_end:
        return

    def message(rows: list[ReportRow]) -> str | None:
        lines = [
            _shortfall_line(r) for r in rows if not (r.result.hours_met and r.result.visits_met)
        ]
        if not lines:
            return None
        return texts.shortfall_reminder(month=str(month), days_left=days_left + 1, lines=lines)

    await _to_each_counsel(ctx, month, "month-end", message)


@job
async def overdue_questions(ctx: JobContext) -> None:
    """G6: a question waiting past the limit goes to the counsel; past twice, to the bureau."""
    limit = timedelta(hours=ctx.settings.reminders.first_response_hours)
    for question in await questions.waiting_since(ctx.session, ctx.now - limit):
        await _remind_question(ctx, question, limit)


async def _remind_question(ctx: JobContext, q: Question, limit: timedelta) -> None:
    village = await directory.village_by_id(ctx.session, q.village_id)
    if village is None:
        return
    counsel = await directory.counsel_of_village(ctx.session, village.id, ctx.today)
    away = await on_leave(ctx.session, {c.id for c in counsel if c.id}, ctx.today)
    hours = int((ctx.now - q.asked_at).total_seconds() // 3600)
    ticket, asker = q.id or 0, q.asker_name or texts.ANONYMOUS_ASKER
    waiting = texts.question_waiting(ticket=ticket, village=village.name, asker=asker, hours=hours)
    for c in counsel:
        if c.wechat and c.id not in away:
            await ctx.send(Target.person(c.wechat), waiting, f"q-wait:{q.id}:{c.id}")
    if ctx.now - q.asked_at < 2 * limit:
        return
    place = await directory.place_of(ctx.session, village)
    bureau = await directory.bureau_contact(ctx.session, place.county)
    if bureau:
        text = texts.question_escalated(
            ticket=ticket,
            village=village.name,
            asker=asker,
            hours=hours,
            counsel="、".join(c.name for c in counsel),
        )
        await ctx.send(Target.person(bureau), text, f"q-escalate:{q.id}")


@job
async def month_closed_summary(ctx: JobContext) -> None:
    """After last month closed, to each county bureau contact: who missed what."""
    month = Month.of(ctx.today).previous()
    if ctx.today < close_date(month, ctx.settings.quota.month_close_day):
        return
    rows = await month_report(ctx.session, month, ctx.settings, ctx.today)
    contacts = await directory.bureau_contacts(ctx.session)
    by_county: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        by_county[row.pair.county].append(row)
    for name, county_rows in by_county.items():
        if name not in contacts:
            continue
        county_id, contact = contacts[name]
        text = _summary_text(month, name, county_rows)
        await ctx.send(Target.person(contact), text, f"month-summary:{month}:{county_id}")


def _summary_text(month: Month, county: str, rows: list[ReportRow]) -> str:
    counts: dict[str, int] = defaultdict(int)
    lines: list[str] = []
    for row in rows:
        counts[row.result.status] += 1
        if row.result.status == "missed":
            r = row.result
            lines.append(
                texts.missed_line(
                    village=row.pair.village_name,
                    counsel=row.pair.counsel_name,
                    credited=r.credited,
                    required=r.required,
                    visits=r.visits,
                )
            )
    if len(lines) > texts.SUMMARY_MAX_LINES:
        more = len(lines) - texts.SUMMARY_MAX_LINES
        lines = [
            *lines[: texts.SUMMARY_MAX_LINES],
            texts.summary_overflow(more=more, month=str(month)),
        ]
    return texts.month_summary(month=str(month), county=county, counts=dict(counts), lines=lines)


CHECKS: dict[str, Check] = {
    "visit_eve": visit_eve,
    "visit_morning": visit_morning,
    "no_visit_midmonth": no_visit_midmonth,
    "month_end_shortfall": month_end_shortfall,
    "overdue_questions": overdue_questions,
    "month_closed_summary": month_closed_summary,
}
