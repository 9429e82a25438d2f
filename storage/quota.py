"""Quota arithmetic: is one counsel's month in one village met? (docs/rules.md "Quota arithmetic").

Pure: no database, no clock. The caller hands in the month's entries of one
counsel-village, the facts that reach outside the month (the half-year's on-site
minutes for a flexible village, which video lectures exceed the counsel's yearly
allowance) and ``today`` in the deployment's zone. Rule numbers refer to the list in
docs/rules.md; every number comes from :class:`~config.QuotaSettings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from config import QuotaSettings
from storage.ledger_terms import OFFSITE, ONSITE, VIDEO_LECTURE
from storage.periods import Month

Status = Literal["met", "missed", "pending", "in_progress"]


@dataclass(frozen=True, slots=True)
class Item:
    """What the arithmetic needs of one ledger entry; ``id`` breaks same-day ties (rule 2)."""

    id: int
    day: date
    kind: str
    channel: str
    minutes: int


@dataclass(frozen=True, slots=True)
class MonthResult:
    """The judgement of one counsel-village-month, with every figure that led to it."""

    month: Month
    onsite: int
    visits: int
    offsite: int
    offsite_uncounted: int
    offsite_credited: int
    credited: int
    required: int
    shortfall: int
    status: Status
    flexible: bool
    halfyear_onsite: int  # rule 6 input, shown for flexible villages
    hours_met: bool  # the hours part of rule 5, or rule 6's half-year threshold
    visits_met: bool  # the visit part of rule 5 (Q1), or rule 6's waiver


def lectures_over_allowance(lectures: Iterable[Item], allowance: int) -> frozenset[int]:
    """Ids of the video lectures beyond the yearly allowance (rule 2, Q4).

    ``lectures`` are one counsel's video-lecture entries of one calendar year, in every
    village. They are taken in date order; entries of the same day in the order they
    were recorded (ascending id), so an earlier-recorded lecture keeps its credit and a
    later edit or import never takes it away from it.
    """
    ordered = sorted((i for i in lectures if i.channel == VIDEO_LECTURE), key=_lecture_key)
    return frozenset(i.id for i in ordered[allowance:])


def _lecture_key(item: Item) -> tuple[date, int]:
    return (item.day, item.id)


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """What rules 1-4 need of one counsel-village-month, summed: by the caller from its
    items (:func:`totals_of`) or by the database (``GROUP BY``, issue 12)."""

    onsite: int = 0  # rule 1: on-site minutes
    visits: int = 0  # rule 1: distinct days with an on-site entry
    offsite: int = 0  # rule 2: off-site minutes that count
    offsite_uncounted: int = 0  # rule 2: minutes of video lectures beyond the allowance


def totals_of(entries: Sequence[Item], over_allowance: frozenset[int] = frozenset()) -> MonthTotals:
    """The month's totals from its entries (``over_allowance`` from
    :func:`lectures_over_allowance`)."""
    onsite, visits = _onsite(entries)
    offsite, uncounted = _offsite(entries, over_allowance)
    return MonthTotals(onsite, visits, offsite, uncounted)


def judge_month(
    entries: Sequence[Item],
    *,
    month: Month,
    quota: QuotaSettings,
    today: date,
    flexible: bool = False,
    halfyear_onsite: int = 0,
    over_allowance: frozenset[int] = frozenset(),
) -> MonthResult:
    """Apply rules 1-7 to the month's entries of one counsel in one village.

    ``halfyear_onsite`` is the counsel's on-site minutes in this village over the whole
    calendar half-year containing ``month`` (as logged so far); it matters only when
    ``flexible``. ``over_allowance`` comes from :func:`lectures_over_allowance`.
    """
    return judge_totals(
        totals_of(entries, over_allowance),
        month=month,
        quota=quota,
        today=today,
        flexible=flexible,
        halfyear_onsite=halfyear_onsite,
    )


def judge_totals(
    totals: MonthTotals,
    *,
    month: Month,
    quota: QuotaSettings,
    today: date,
    flexible: bool = False,
    halfyear_onsite: int = 0,
) -> MonthResult:
    """Apply rules 3-7 to a month's totals (rules 1 and 2 made them)."""
    onsite, visits, offsite = totals.onsite, totals.visits, totals.offsite
    required = quota.monthly_required_minutes
    offsite_credited = min(offsite, quota.offsite_cap_minutes)  # rule 3
    credited = onsite + offsite_credited  # rule 4
    shortfall = max(0, required - credited)  # rule 4
    reached = flexible and halfyear_onsite >= quota.flexible_halfyear_onsite_minutes  # rule 6
    hours_met = credited >= required or reached  # rules 5 and 6
    visits_met = visits >= quota.min_visits_per_month or (reached and quota.flexible_waives_visits)
    status = _status(
        month,
        today,
        quota,
        hours_met=hours_met,
        visits_met=visits_met,
        flexible=flexible,
        reached=reached,
    )
    return MonthResult(
        month=month,
        onsite=onsite,
        visits=visits,
        offsite=offsite,
        offsite_uncounted=totals.offsite_uncounted,
        offsite_credited=offsite_credited,
        credited=credited,
        required=required,
        shortfall=shortfall,  # rule 4 as written, even when rule 6 waives the hours
        status=status,
        flexible=flexible,
        halfyear_onsite=halfyear_onsite if flexible else 0,
        hours_met=hours_met,
        visits_met=visits_met,
    )


def _onsite(entries: Sequence[Item]) -> tuple[int, int]:
    """Rule 1: on-site minutes, and the number of distinct days with an on-site entry."""
    mine = [e for e in entries if e.kind == ONSITE]
    return sum(e.minutes for e in mine), len({e.day for e in mine})


def _offsite(entries: Sequence[Item], over_allowance: frozenset[int]) -> tuple[int, int]:
    """Rule 2: off-site minutes that count, and those of lectures beyond the allowance."""
    mine = [e for e in entries if e.kind == OFFSITE]
    uncounted = sum(e.minutes for e in mine if e.id in over_allowance)
    return sum(e.minutes for e in mine) - uncounted, uncounted


def _status(
    month: Month,
    today: date,
    quota: QuotaSettings,
    *,
    hours_met: bool,
    visits_met: bool,
    flexible: bool,
    reached: bool,
) -> Status:
    if not month.ended(today):
        return "in_progress"  # rule 7 (issue 4: in_progress while the month is not over)
    if hours_met and visits_met:
        return "met"  # rule 5
    # rule 6: while the half-year is open it may still reach the threshold and rescue the
    # hours part; the visit part is rescued too only when the waiver is on.
    rescuable = visits_met or quota.flexible_waives_visits
    if flexible and not reached and not month.half().ended(today) and rescuable:
        return "pending"
    return "missed"
