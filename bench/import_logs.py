"""``vcbot logs import`` of a large file, side by side with a bare ``executemany`` of the same
rows into the same table, in the same run (issue 12).

    .venv/bin/python bench/import_logs.py --url sqlite:///var/import-bench.db --rows 100000
    .venv/bin/python bench/import_logs.py --url postgresql://postgres@127.0.0.1/importbench

The database must be empty: the script loads a small province (bench/province.py) first.
The bare ``executemany`` runs in a transaction that is rolled back; the import then runs
as the CLI runs it (parse, validate against the roster, month locks and duplicates, store
entries and their audit rows, one transaction).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, insert  # noqa: E402

from bench.province import SIZES, _counsel_of, generate  # noqa: E402
from config import Settings  # noqa: E402
from storage.db import Database, make_sync_engine, table_of  # noqa: E402
from storage.models import ServiceLogEntry  # noqa: E402
from storage.periods import Month  # noqa: E402
from storage.services.ledger import Actor  # noqa: E402
from storage.services.ledger_io import COLUMNS, import_logs  # noqa: E402

SIZE = SIZES["small"]
ENTRIES: Table = table_of(ServiceLogEntry)


def rows_for(count: int, today: date) -> list[dict[str, Any]]:
    """``count`` distinct off-site rows of this month, up to ``today``, over the province."""
    first = today.replace(day=1)
    span = (today - first).days + 1
    return [
        {
            "counsel_id": f"C{_counsel_of(i % SIZE.villages, SIZE):06d}",
            "village_id": f"V{i % SIZE.villages:06d}",
            "day": first + timedelta(days=i % span),
            "kind": "offsite",
            "channel": "phone",
            "minutes": 10 + i % 50,
            "summary": f"电话回访 {i}",
        }
        for i in range(count)
    ]


def as_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as an import file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r["counsel_id"],
                r["village_id"],
                r["day"].isoformat(),
                r["kind"],
                r["channel"],
                r["minutes"],
                r["summary"],
            ]
        )
    return out.getvalue()


def bare(url: str, rows: list[dict[str, Any]]) -> float:
    """A bare executemany of the same rows into the same table, rolled back."""
    now = datetime.now(UTC)
    full = [{**r, "source": "import", "created_by": "bench", "created_at": now} for r in rows]
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            began = time.perf_counter()
            with conn.begin() as tx:
                conn.execute(insert(ENTRIES), full)
                elapsed = time.perf_counter() - began
                tx.rollback()
    finally:
        engine.dispose()
    return elapsed


async def imported(url: str, text: str) -> float:
    """The import as the CLI does it."""
    settings = Settings(database_url=url)
    db = Database(url)
    try:
        began = time.perf_counter()
        await import_logs(
            db, text, settings, actor=Actor("cli:bench"), now=datetime.now(settings.tz)
        )
        return time.perf_counter() - began
    finally:
        await db.dispose()


def main() -> None:
    """Load a small province, then time both."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="an empty database")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    today = datetime.now(Settings().tz).date()
    generate(args.url, SIZE, last=Month.of(today).previous(), progress=False)
    rows = rows_for(args.rows, today)
    text = as_csv(rows)
    t_bare = bare(args.url, rows)
    t_import = asyncio.run(imported(args.url, text))
    backend = args.url.split(":", 1)[0]
    print(f"backend {backend}: {args.rows:,} rows ({len(text.encode()) / 2**20:.1f} MiB of CSV)")
    print(f"bare executemany (rolled back): {t_bare:7.2f} s")
    print(f"vcbot logs import:              {t_import:7.2f} s")
    print(f"ratio import / executemany:     {t_import / t_bare:7.2f}")


if __name__ == "__main__":
    main()
