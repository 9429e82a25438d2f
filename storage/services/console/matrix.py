"""The compliance matrix: villages x months, each cell judged as the monthly report does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.models import Town, Village
from storage.periods import Month
from storage.quota import MonthResult
from storage.services.reports.month import judge_months
from storage.services.reports.queries import Pair
from storage.services.scope import Scope

STATUSES = ("met", "missed", "pending", "in_progress")
STATUS_LABELS = {"met": "达标", "missed": "未达标", "pending": "待定", "in_progress": "进行中"}
MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class MatrixFilter:
    """What the user chose: the months, and optionally a town, a counsel and a status."""

    months: Sequence[Month]
    town: str | None = None
    counsel_id: str | None = None
    status: str | None = None


@dataclass(slots=True)
class MatrixRow:
    """One counsel-village: its town and a cell per month (None: not assigned then)."""

    pair: Pair
    town: str
    cells: list[MonthResult | None]


@dataclass(slots=True)
class TownTotal:
    """Per month of one town: how many cells of each status, and the credited minutes."""

    town: str
    counts: list[dict[str, int]]
    credited: list[int]


@dataclass(slots=True)
class Matrix:
    """The rows, the per-town totals, and the towns and counsel there are to filter by."""

    months: list[Month]
    rows: list[MatrixRow] = field(default_factory=list)
    totals: list[TownTotal] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    counsel: list[tuple[str, str]] = field(default_factory=list)  # (id, name)


def months_between(first: Month, last: Month) -> list[Month]:
    """The months from ``first`` to ``last`` inclusive; ValueError when reversed or too long."""
    if (last.year, last.month) < (first.year, first.month):
        raise ValueError(f"起始月 {first} 晚于结束月 {last}")
    months = [first]
    while months[-1] != last:
        months.append(months[-1].next())
        if len(months) > MAX_MONTHS:
            raise ValueError(f"一次最多查看 {MAX_MONTHS} 个月")
    return months


async def towns_of(session: AsyncSession, village_ids: set[str]) -> dict[str, str]:
    """Village id -> its town's name."""
    if not village_ids:
        return {}
    stmt = (
        select(Village.id, Town.name)
        .join(Town, col(Town.id) == col(Village.town_id))
        .where(col(Village.id).in_(village_ids))
    )
    return dict((await session.exec(stmt)).all())


async def compliance_matrix(
    session: AsyncSession, flt: MatrixFilter, settings: Settings, today: date, scope: Scope
) -> Matrix:
    """The matrix of ``scope`` over ``flt.months``, filtered by town, counsel and status."""
    months = list(flt.months)
    judged = await judge_months(session, months, settings, today, scope)
    towns = await towns_of(session, {r.pair.village_id for r in judged})
    matrix = Matrix(
        months,
        towns=sorted(set(towns.values())),
        counsel=sorted({(r.pair.counsel_id, r.pair.counsel_name) for r in judged}),
    )
    index = {m: i for i, m in enumerate(months)}
    rows: dict[tuple[str, str], MatrixRow] = {}
    for r in judged:
        key = (r.pair.counsel_id, r.pair.village_id)
        town = towns.get(r.pair.village_id, "")
        row = rows.setdefault(key, MatrixRow(r.pair, town, [None] * len(months)))
        row.cells[index[r.result.month]] = r.result
    matrix.rows = [
        row
        for row in sorted(rows.values(), key=lambda r: (r.pair.county, r.town, r.pair.village_id))
        if _wanted(row, flt)
    ]
    matrix.totals = _town_totals(matrix.rows, len(months))
    return matrix


def _wanted(row: MatrixRow, flt: MatrixFilter) -> bool:
    if flt.town and row.town != flt.town:
        return False
    if flt.counsel_id and row.pair.counsel_id != flt.counsel_id:
        return False
    return not flt.status or any(c is not None and c.status == flt.status for c in row.cells)


def _town_totals(rows: Sequence[MatrixRow], width: int) -> list[TownTotal]:
    totals: dict[str, TownTotal] = {}
    for row in rows:
        total = totals.get(row.town)
        if total is None:
            total = TownTotal(row.town, [defaultdict(int) for _ in range(width)], [0] * width)
            totals[row.town] = total
        for i, cell in enumerate(row.cells):
            if cell is not None:
                total.counts[i][cell.status] += 1
                total.credited[i] += cell.credited
    return [totals[t] for t in sorted(totals)]
