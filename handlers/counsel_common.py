"""What the counsel's commands share: their villages by name, and a month's progress line."""

from __future__ import annotations

from datetime import date

from handlers.context import Context
from handlers.texts import counsel as texts
from storage.models import Counsel
from storage.periods import Month
from storage.quota import MonthResult
from storage.services import directory
from storage.services.reports.month import month_report
from storage.services.scope import Scope


async def villages_by_name(ctx: Context, counsel: Counsel) -> dict[str, str]:
    """The counsel's villages of this month and last (a late entry for last month is
    still accepted until it closes), by name, short name and id."""
    month = Month.of(ctx.today)
    found = await directory.villages_of_counsel(
        ctx.session, counsel.id, month.previous().first, month.last
    )
    names: dict[str, str] = {}
    for v in found:
        names |= {v.name: v.id, v.id: v.id}
        short = v.name.removesuffix("村").removesuffix("社区")
        if len(short) >= 2:
            names.setdefault(short, v.id)
    return names


def _status_key(r: MonthResult) -> str:
    """The label key: a month in progress that already satisfies both parts says so."""
    done = r.status == "in_progress" and r.hours_met and r.visits_met
    return "in_progress_met" if done else r.status


def progress_line(ctx: Context, r: MonthResult, village: str) -> str:
    """One village's month, as the counsel sees it (with what did not count)."""
    quota = ctx.settings.quota
    return texts.village_progress(
        not_counted=texts.uncounted(
            over_cap=r.offsite - r.offsite_credited, over_lectures=r.offsite_uncounted
        ),
        village=village,
        status=_status_key(r),
        credited=r.credited,
        required=r.required,
        onsite=r.onsite,
        offsite_credited=r.offsite_credited,
        cap=quota.offsite_cap_minutes,
        visits=r.visits,
        shortfall=r.shortfall,
        flexible=r.flexible,
        halfyear_onsite=r.halfyear_onsite,
        halfyear_required=quota.flexible_halfyear_onsite_minutes,
    )


async def village_month_line(ctx: Context, counsel_id: str, village_id: str, day: date) -> str:
    """The counsel's progress in one village in the month of ``day`` ("" if not assigned)."""
    rows = await month_report(
        ctx.session, Month.of(day), ctx.settings, ctx.today, Scope(counsel_id=counsel_id)
    )
    return next(
        (
            progress_line(ctx, r.result, r.pair.village_name)
            for r in rows
            if r.pair.village_id == village_id
        ),
        "",
    )
