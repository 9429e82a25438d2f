"""``/console/``: the compliance matrix, villages x months (issue 11, item 4)."""

from __future__ import annotations

from aiohttp import web

from storage.errors import InvalidInput
from storage.periods import Month
from storage.services.console.matrix import (
    STATUS_LABELS,
    STATUSES,
    Matrix,
    MatrixFilter,
    compliance_matrix,
    months_between,
)
from web.auth import now
from web.console.common import chosen_scope
from web.deps import DEPS
from web.exports import FORMATS, download
from web.pages import render
from web.params import choice, month, text

DEFAULT_MONTHS = 3


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


async def matrix_page(request: web.Request) -> web.Response:
    """The matrix of the chosen months, filtered by town, counsel and status; ``format``
    downloads it as CSV or XLSX."""
    deps = request.app[DEPS]
    q = request.query
    scope, counties = await chosen_scope(request)
    today = now(request).date()
    last = month(q, "to") or Month.of(today)
    first = month(q, "from") or _back(last, DEFAULT_MONTHS - 1)
    try:
        months = months_between(first, last)
    except ValueError as err:
        raise InvalidInput(str(err)) from None
    flt = MatrixFilter(months, text(q, "town"), text(q, "counsel"), choice(q, "status", STATUSES))
    async with deps.db.read() as session:
        matrix = await compliance_matrix(session, flt, deps.settings, today, scope)
    fmt = choice(q, "format", FORMATS)
    if fmt:
        return download(fmt, f"合规矩阵_{first}_{last}", *_table(matrix))
    return await render(
        request,
        "console/matrix.html",
        matrix=matrix,
        flt=flt,
        first=first,
        last=last,
        counties=counties,
        county=scope.county or "",
        labels=STATUS_LABELS,
        hours=_hours,
        query=request.query_string,
    )


def _back(m: Month, n: int) -> Month:
    for _ in range(n):
        m = m.previous()
    return m


def _table(matrix: Matrix) -> tuple[list[str], list[list[str | int | float | None]]]:
    header = ["县（区）", "镇（街道）", "村（社区）", "村编号", "法律顾问"]
    for m in matrix.months:
        header += [f"{m} 状态", f"{m} 计入小时", f"{m} 差额小时"]
    rows: list[list[str | int | float | None]] = []
    for row in matrix.rows:
        p = row.pair
        line: list[str | int | float | None] = [
            p.county,
            row.town,
            p.village_name,
            p.village_id,
            p.counsel_name,
        ]
        for cell in row.cells:
            if cell is None:
                line += ["未派驻", None, None]
            else:
                line += [STATUS_LABELS[cell.status], _hours(cell.credited), _hours(cell.shortfall)]
        rows.append(line)
    return header, rows


def setup(app: web.Application) -> None:
    """Register the matrix."""
    app.router.add_get("/console/", matrix_page, name="console-matrix")
