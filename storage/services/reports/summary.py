"""Per counsel over a half-year or a year: villages met, months missed, lectures used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.periods import Month
from storage.quota import lectures_over_allowance
from storage.services.reports import queries
from storage.services.reports.month import ReportRow, judge_months
from storage.services.scope import EVERYWHERE, Scope

SUMMARY_FIELDS = (
    "counsel_id",
    "counsel_name",
    "villages",
    "villages_met",
    "months_met",
    "months_missed",
    "months_pending",
    "months_in_progress",
    "lectures_used",
    "lectures_over",
    "missed",
)


@dataclass(slots=True)
class CounselSummary:
    """A counsel's record over a half-year or a year."""

    counsel_id: str
    counsel_name: str
    villages: set[str] = field(default_factory=set)
    villages_not_met: set[str] = field(default_factory=set)
    months_met: int = 0
    months_missed: int = 0
    months_pending: int = 0
    months_in_progress: int = 0
    missed: list[str] = field(default_factory=list)  # "村名 2026-03"
    lectures_used: int = 0
    lectures_over: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as :data:`SUMMARY_FIELDS`, in order (sets counted, misses joined)."""
        derived = {
            "villages": len(self.villages),
            "villages_met": len(self.villages - self.villages_not_met),
            "missed": "；".join(self.missed),
        }
        return {f: derived[f] if f in derived else getattr(self, f) for f in SUMMARY_FIELDS}


async def period_summary(
    session: AsyncSession,
    months: Sequence[Month],
    settings: Settings,
    today: date,
    scope: Scope = EVERYWHERE,
) -> list[CounselSummary]:
    """Per counsel over ``months`` (a half-year or a year; months not begun are skipped).

    A village counts as met when each of its months that is over is met (a month in
    progress counts neither way); lectures are those of
    the year of the period, up to its end or today.
    """
    begun = [m for m in months if m.first <= today]
    if not begun:
        return []
    summaries: dict[str, CounselSummary] = {}
    for row in await judge_months(session, begun, settings, today, scope):
        _add(summaries, row)
    await _count_lectures(session, summaries, begun, settings, today)
    return sorted(summaries.values(), key=lambda s: s.counsel_id)


def _add(summaries: dict[str, CounselSummary], row: ReportRow) -> None:
    p, r = row.pair, row.result
    s = summaries.setdefault(p.counsel_id, CounselSummary(p.counsel_id, p.counsel_name))
    s.villages.add(p.village_id)
    if r.status == "met":
        s.months_met += 1
    elif r.status == "in_progress":
        s.months_in_progress += 1  # not over yet: neither for nor against the village
    elif r.status == "pending":
        s.months_pending += 1
        s.villages_not_met.add(p.village_id)
    else:
        s.months_missed += 1
        s.missed.append(f"{p.village_name} {r.month}")
        s.villages_not_met.add(p.village_id)


async def _count_lectures(
    session: AsyncSession,
    summaries: dict[str, CounselSummary],
    months: Sequence[Month],
    settings: Settings,
    today: date,
) -> None:
    if not summaries:
        return
    year = months[0].year
    last = min(months[-1].last, today)
    by_year = await queries.video_lectures(session, set(summaries), date(year, 1, 1), last)
    allowance = settings.quota.video_lectures_per_year
    for (counsel, _), lectures in by_year.items():
        over = len(lectures_over_allowance([lecture.item for lecture in lectures], allowance))
        summaries[counsel].lectures_used = len(lectures) - over
        summaries[counsel].lectures_over = over
