"""A synthetic province (issue 12): counties, towns, villages, counsel, assignments and
months of service-log entries, visits and questions, loaded in bulk.

    .venv/bin/python bench/province.py --size smoke --url sqlite:///var/province-smoke.db
    .venv/bin/python bench/province.py --size province --url postgresql://postgres@127.0.0.1/bench

Sizes: ``smoke`` (seconds; the test suite uses it), ``small`` (200 villages, ~50 k entries),
``province`` (2,000 villages, 500 counsel, 12 months, ~1 M entries) and ``guangdong``
(26,000 villages, 10,000 counsel, 12 months, ~6 M entries). Rows are written with Core
``executemany`` in chunks on SQLite and with ``COPY`` on PostgreSQL, after ``vcbot db
upgrade``; a progress bar shows the entries. The data are random but repeatable (``--seed``).
Names are invented; nothing here is anyone's data.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, func, insert, select  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench.errors import one_line_errors  # noqa: E402
from storage.db import is_sqlite, make_sync_engine, table_of  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Assignment,
    Counsel,
    County,
    Question,
    ServiceLogEntry,
    Town,
    Village,
    Visit,
)
from storage.periods import Month  # noqa: E402

CHUNK = 20_000
OFFSITE = ("phone", "wechat", "wechat", "email", "workstation", "qq")
CATEGORIES = ("homestead", "labor", "land", "family", "debt", "traffic")


@dataclass(frozen=True, slots=True)
class Size:
    """How big a province to make."""

    villages: int
    counsel: int
    months: int
    entries_per_village_month: int  # on average
    villages_per_county: int = 100
    villages_per_town: int = 10


SIZES = {
    "smoke": Size(
        villages=40, counsel=12, months=3, entries_per_village_month=8, villages_per_county=20
    ),
    "small": Size(villages=200, counsel=60, months=12, entries_per_village_month=20),
    "province": Size(villages=2_000, counsel=500, months=12, entries_per_village_month=42),
    "guangdong": Size(villages=26_000, counsel=10_000, months=12, entries_per_village_month=19),
}


@dataclass(frozen=True, slots=True)
class Made:
    """What was written."""

    counties: int
    villages: int
    counsel: int
    entries: int
    seconds: float


def months_ending(last: Month, count: int) -> list[Month]:
    """``count`` months up to ``last``, ascending."""
    months = [last]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def county_name(i: int) -> str:
    """The i-th county's name (0-based)."""
    return f"县{i + 1:04d}"


def _roster(size: Size) -> dict[Table, list[dict[str, Any]]]:
    counties = max(1, -(-size.villages // size.villages_per_county))
    rows: dict[Table, list[dict[str, Any]]] = {}
    rows[table_of(County)] = [
        {
            "id": i + 1,
            "name": county_name(i),
            "city": f"市{i // 10 + 1:03d}",
            "province": "样本省",
            "bureau_contact_id": None,
        }
        for i in range(counties)
    ]
    towns = -(-size.villages // size.villages_per_town)
    rows[table_of(Town)] = [
        {
            "id": t + 1,
            "county_id": (t * size.villages_per_town) // size.villages_per_county + 1,
            "name": f"镇{t + 1:05d}",
        }
        for t in range(towns)
    ]
    rows[table_of(Village)] = [
        {
            "id": f"V{v:06d}",
            "name": f"村{v:06d}",
            "town_id": v // size.villages_per_town + 1,
            "flexible": v % 17 == 0,
        }
        for v in range(size.villages)
    ]
    rows[table_of(Counsel)] = [
        {
            "id": f"C{c:06d}",
            "name": f"律师{c:06d}",
            "firm": f"所{c % 97:03d}",
            "phone": f"0000-{c:07d}",
            "email": f"c{c}@firm.example",
            "wechat": f"wx_c{c:06d}",
            "trainee": False,
        }
        for c in range(size.counsel)
    ]
    rows[table_of(Assignment)] = [
        {
            "id": v + 1,
            "counsel_id": f"C{_counsel_of(v, size):06d}",
            "village_id": f"V{v:06d}",
            "start": date(2020, 1, 1),
            "end": None,
        }
        for v in range(size.villages)
    ]
    return rows


def _counsel_of(village: int, size: Size) -> int:
    """Villages are dealt out in runs, so each counsel serves neighbouring villages."""
    per = -(-size.villages // size.counsel)
    return min(village // per, size.counsel - 1)


def entry_rows(size: Size, months: Sequence[Month], seed: int) -> Iterator[dict[str, Any]]:
    """Every entry of the province, village by village and month by month."""
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    next_id = 1
    for v in range(size.villages):
        counsel = f"C{_counsel_of(v, size):06d}"
        village = f"V{v:06d}"
        for month in months:
            count = max(
                0,
                int(rng.gauss(size.entries_per_village_month, size.entries_per_village_month / 4)),
            )
            visits = min(count, rng.choice((0, 1, 1, 2, 2, 3)))
            for k in range(count):
                onsite = k < visits
                lecture = not onsite and rng.random() < 0.004
                yield {
                    "id": next_id,
                    "counsel_id": counsel,
                    "village_id": village,
                    "day": month.first + timedelta(days=rng.randrange(month.days)),
                    "kind": "onsite" if onsite else "offsite",
                    "channel": "visit"
                    if onsite
                    else ("video_lecture" if lecture else rng.choice(OFFSITE)),
                    "minutes": rng.choice((120, 150, 180, 240))
                    if onsite
                    else rng.choice((10, 20, 30, 45, 60)),
                    "summary": "驻村接待" if onsite else "线上解答",
                    "source": "import",
                    "question_id": None,
                    "visit_id": None,
                    "activity": None,
                    "created_by": "bench",
                    "created_at": now,
                }
                next_id += 1


def _extras(size: Size, months: Sequence[Month], seed: int) -> dict[Table, list[dict[str, Any]]]:
    """A scheduled visit per counsel and a few open questions per county."""
    rng = random.Random(seed + 1)
    start = datetime.combine(months[-1].last, datetime.min.time(), UTC) + timedelta(hours=1)
    visits = [
        {
            "counsel_id": f"C{_counsel_of(v, size):06d}",
            "village_id": f"V{v:06d}",
            "starts_at": start + timedelta(days=rng.randrange(1, 20)),
            "ends_at": None,
            "place": "村委会",
            "status": "scheduled",
            "note": "",
            "arrived_at": None,
            "left_at": None,
        }
        for v in range(0, size.villages, max(1, size.villages // size.counsel))
    ]
    questions = [
        {
            "village_id": f"V{v:06d}",
            "group_id": f"G{v:06d}",
            "asker_id": f"wx_v{v}",
            "asker_name": "村民",
            "text": "宅基地被占了怎么办",
            "category": rng.choice(CATEGORIES),
            "confidence": 0.9,
            "intents": ["question"],
            "status": "open",
            "asked_at": start - timedelta(days=2),
            "answered_at": None,
            "answered_by": None,
            "message_id": None,
            "last_part_at": None,
            "rating_asked_at": None,
            "answer_text": "",
        }
        for v in range(0, size.villages, 10)
    ]
    return {table_of(Visit): visits, table_of(Question): questions}


def _chunks(rows: Iterator[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy(conn: Connection, table: Table, rows: Iterator[dict[str, Any]], bar: tqdm[Any]) -> int:
    """PostgreSQL ``COPY … FROM STDIN`` through psycopg 3 (no per-row statement)."""
    names = [c.name for c in table.columns]
    raw: Any = conn.connection.driver_connection
    written = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([_pg(row.get(n)) for n in names])
            written += 1
            if written % 10_000 == 0:
                bar.update(10_000)
    bar.update(written % 10_000)
    return written


def _pg(value: Any) -> Any:
    if isinstance(value, list):
        import json

        return json.dumps(value)
    return value


def _executemany(
    conn: Connection, table: Table, rows: Iterator[dict[str, Any]], bar: tqdm[Any]
) -> int:
    written = 0
    for chunk in _chunks(rows, CHUNK):
        conn.execute(insert(table), chunk)
        written += len(chunk)
        bar.update(len(chunk))
    return written


class NotEmptyError(Exception):
    """The database already holds a roster: the generator's ids would collide."""


def generate(url: str, size: Size, *, last: Month, seed: int = 1, progress: bool = True) -> Made:
    """Create the schema at ``url`` (empty) and load the province; all in one transaction."""
    began = time.perf_counter()
    upgrade(url)
    months = months_ending(last, size.months)
    engine = make_sync_engine(url)
    expected = size.villages * size.months * size.entries_per_village_month
    try:
        with engine.begin() as conn:
            # in the loading transaction, before anything is written
            if conn.execute(select(func.count()).select_from(table_of(County))).scalar_one():
                raise NotEmptyError(f"{url} 里已有县：生成器只写入空数据库（换一个新文件或新库）")
            for table, rows in _roster(size).items():
                conn.execute(insert(table), rows)
            for table, rows in _extras(size, months, seed).items():
                if rows:
                    conn.execute(insert(table), rows)
            with tqdm(
                total=expected, unit=" entries", disable=not progress, file=sys.stderr
            ) as bar:
                write = _executemany if is_sqlite(url) else _copy
                entries = write(
                    conn, table_of(ServiceLogEntry), entry_rows(size, months, seed), bar
                )
            if not is_sqlite(url):  # COPY wrote explicit ids: move the sequences past them
                for name in ("servicelogentry", "county", "town", "assignment"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
        # the planner's statistics, as autovacuum would gather them some minutes later: a
        # report run at once on the fresh tables was 1.3-4x slower (plans without them)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        engine.dispose()
    counties = max(1, -(-size.villages // size.villages_per_county))
    return Made(counties, size.villages, size.counsel, entries, time.perf_counter() - began)


def _month(text: str) -> Month:
    """A ``YYYY-MM`` argument (argparse reports the ValueError's message)."""
    try:
        return Month.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main() -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="an empty database (SQLite file or PostgreSQL)"
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument(
        "--last-month",
        type=_month,
        default=Month.of(date.today()),  # noqa: DTZ011
        help="YYYY-MM",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with one_line_errors(NotEmptyError):
        made = generate(args.url, SIZES[args.size], last=args.last_month, seed=args.seed)
    print(
        f"{made.counties} counties, {made.villages} villages, {made.counsel} counsel, "
        f"{made.entries:,} entries in {made.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
