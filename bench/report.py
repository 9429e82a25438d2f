"""The month report over a generated province, side by side with a bare ``GROUP BY`` on the
same data in the same run (issue 12).

    .venv/bin/python bench/province.py --size province --url sqlite:///var/province.db
    .venv/bin/python bench/report.py --url sqlite:///var/province.db

It prints, best of ``--rounds``: the bare ``GROUP BY`` (the database's own floor), the
whole report (``month_report``: assignments, sums, lectures, half-year, judgement), the
report of one county, the ratio report / GROUP BY, and the peak of Python memory the
report allocated (tracemalloc), which must not grow with the number of entries.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from config import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.periods import Month  # noqa: E402
from storage.services.reports.month import month_report  # noqa: E402
from storage.services.scope import Scope  # noqa: E402

BARE = """
SELECT counsel_id, village_id,
       SUM(CASE WHEN kind = 'onsite' THEN minutes ELSE 0 END),
       COUNT(DISTINCT CASE WHEN kind = 'onsite' THEN day END),
       SUM(CASE WHEN kind = 'offsite' THEN minutes ELSE 0 END)
FROM servicelogentry WHERE day >= :first AND day <= :last
GROUP BY counsel_id, village_id
"""


async def best(rounds: int, work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """The fastest of ``rounds`` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - began)
    return min(times), result


async def run(url: str, month: Month, county: str, rounds: int) -> list[str]:
    """Time the bare GROUP BY, the province's report and a county's; measure memory."""
    settings = Settings(database_url=url)
    db = Database(url)
    today = date.today()  # noqa: DTZ011
    try:
        async with db.read() as session:
            conn = await session.connection()
            total = (await conn.execute(text("SELECT COUNT(*) FROM servicelogentry"))).scalar_one()
            in_month = (
                await conn.execute(
                    text("SELECT COUNT(*) FROM servicelogentry WHERE day >= :f AND day <= :l"),
                    {"f": month.first, "l": month.last},
                )
            ).scalar_one()

        async def bare() -> int:
            async with db.read() as session:
                conn = await session.connection()
                found = await conn.execute(text(BARE), {"first": month.first, "last": month.last})
                return len(found.all())

        async def report(scope: Scope) -> int:
            async with db.read() as session:
                return len(await month_report(session, month, settings, today, scope))

        t_bare, groups = await best(rounds, bare)
        t_all, rows = await best(rounds, lambda: report(Scope()))
        t_county, county_rows = await best(rounds, lambda: report(Scope(county=county)))
        tracemalloc.start()
        await report(Scope())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await db.dispose()
    backend = url.split(":", 1)[0]
    return [
        f"backend {backend}: {total:,} entries in the database, {in_month:,} in {month}",
        f"bare GROUP BY:               {t_bare * 1000:8.1f} ms  ({groups:,} groups)",
        f"month_report, province:      {t_all * 1000:8.1f} ms  ({rows:,} rows)",
        f"month_report, county {county}: {t_county * 1000:8.1f} ms  ({county_rows:,} rows)",
        f"ratio report / GROUP BY:     {t_all / t_bare:8.2f}",
        f"peak Python memory of the province's report (tracemalloc): {peak / 2**20:.1f} MiB",
    ]


def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database made by bench/province.py")
    parser.add_argument("--month", help="YYYY-MM (default: the month before this one)")
    parser.add_argument("--county", default="县0001")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    month = Month.parse(args.month) if args.month else Month.of(date.today()).previous()  # noqa: DTZ011
    for line in asyncio.run(run(args.url, month, args.county, args.rounds)):
        print(line)


if __name__ == "__main__":
    main()
