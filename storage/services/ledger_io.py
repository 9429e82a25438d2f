"""Ledger files: ``vcbot logs import`` (all or nothing) and ``vcbot logs export``.

Format: ``counsel_id,village_id,date,kind,channel,minutes,summary`` plus an optional
``activity`` column (Q13). ``kind``, ``channel`` and ``activity`` take the codes or the
Chinese labels (现场, 电话, 法治课堂 ...); the export writes codes, so it imports back as is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy import select as columns
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.csvutil import Row, read_rows
from storage.db import Database, fetch_rows, table_of
from storage.errors import ImportRefused, InvalidInput
from storage.ledger_terms import ACTIVITY_LABELS, CHANNEL_LABELS, KIND_LABELS
from storage.models import Assignment, AuditEntry, Counsel, ServiceLogEntry, Village
from storage.periods import DateWindow, Month, is_closed, local_date
from storage.services.ledger import ENTITY, Actor, EntryDraft, check_fields, entry_columns
from storage.services.scope import Scope, county_ids, villages_of_counties

COLUMNS = ("counsel_id", "village_id", "date", "kind", "channel", "minutes", "summary")
OPTIONAL_COLUMNS = ("activity",)
EXPORT_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS)

_KIND_CODES = {v: k for k, v in KIND_LABELS.items()}
_CHANNEL_CODES = {v: k for k, v in CHANNEL_LABELS.items()} | {
    "夜校": "night_school",
    "值班": "workstation",
}
_ACTIVITY_CODES = {v: k for k, v in ACTIVITY_LABELS.items()}

Key = tuple[str, str, date, str, str, int, str]


@dataclass(frozen=True, slots=True)
class LogImportSummary:
    """What an accepted import stored."""

    rows: int
    closed_months: tuple[str, ...]

    def describe(self) -> str:
        """One Chinese line for the CLI."""
        extra = f"（其中已关账月份：{'、'.join(self.closed_months)}）" if self.closed_months else ""
        return f"已导入 {self.rows} 条服务日志{extra}。"


def parse_logs(text: str, window: DateWindow) -> list[tuple[int, EntryDraft]]:
    """Every row as a checked draft with its line number; the first bad row refuses all,
    and so does a row repeated within the file (the same entry twice is a slip)."""
    drafts = [(r.line, _parse_row(r, window)) for r in read_rows(text, COLUMNS, OPTIONAL_COLUMNS)]
    if not drafts:
        raise ImportRefused(1, "文件里没有数据行")
    first_seen: dict[Key, int] = {}
    for line, d in drafts:
        earlier = first_seen.setdefault(_key_of_draft(d), line)
        if earlier != line:
            raise ImportRefused(line, f"与第 {earlier} 行完全相同（同一条记录写了两次？）")
    return drafts


def _parse_row(row: Row, window: DateWindow) -> EntryDraft:
    day = row.day("date", window)
    assert day is not None
    draft = EntryDraft(
        counsel_id=row.required("counsel_id"),
        village_id=row.required("village_id"),
        day=day,
        kind=_code(row.required("kind"), _KIND_CODES),
        channel=_code(row.required("channel"), _CHANNEL_CODES),
        minutes=_minutes(row),
        summary=row.get("summary"),
        source="import",
        activity=_code(row.get("activity"), _ACTIVITY_CODES) or None,
    )
    try:
        check_fields(draft)
    except InvalidInput as err:
        raise ImportRefused(row.line, str(err)) from None
    return draft


def _code(value: str, labels: dict[str, str]) -> str:
    return labels.get(value, value.lower())


_WHOLE_MINUTES = re.compile(r"[0-9]{1,4}")


def _minutes(row: Row) -> int:
    """Plain ASCII digits only: '３０', '1_000', '30.0' and '+30' are refused, not guessed."""
    value = row.required("minutes")
    if not _WHOLE_MINUTES.fullmatch(value):
        raise ImportRefused(row.line, f"minutes 应为整数分钟（1..1440），而不是 {value!r}")
    return int(value)


async def import_logs(
    db: Database,
    text: str,
    settings: Settings,
    *,
    actor: Actor,
    now: datetime,
    allow_closed: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LogImportSummary:
    """Check every row against the roster and the month lock, then store all in one go
    (one transaction: all or nothing). ``progress`` is told how many rows each stored
    chunk had."""
    window = DateWindow.of_settings(now, settings.tz, settings.limits.date_window_years)
    drafts = parse_logs(text, window)
    today = local_date(now, settings.tz)
    async with db.transaction() as session:
        await _check_roster(session, drafts)
        closed = _check_months(drafts, settings, today, allow_closed)
        await _check_not_stored(session, drafts)
        await _store(session, drafts, actor, now, progress)
        session.add(_file_audit(actor, now, len(drafts), closed, allow_closed))
    return LogImportSummary(len(drafts), closed)


async def _check_roster(session: AsyncSession, drafts: Sequence[tuple[int, EntryDraft]]) -> None:
    counsel_ids = {d.counsel_id for _, d in drafts}
    village_ids = {d.village_id for _, d in drafts}
    known_counsel = set(
        await session.exec(select(Counsel.id).where(col(Counsel.id).in_(counsel_ids)))
    )
    known_villages = set(
        await session.exec(select(Village.id).where(col(Village.id).in_(village_ids)))
    )
    spans = await _assignments(session, counsel_ids)
    for line, d in drafts:
        if d.counsel_id not in known_counsel:
            raise ImportRefused(line, f"没有编号为 {d.counsel_id} 的律师")
        if d.village_id not in known_villages:
            raise ImportRefused(line, f"没有编号为 {d.village_id} 的村")
        if not any(a.active_on(d.day) for a in spans[(d.counsel_id, d.village_id)]):
            raise ImportRefused(
                line, f"律师 {d.counsel_id} 在 {d.day.isoformat()} 没有派驻村 {d.village_id}"
            )


async def _assignments(
    session: AsyncSession, counsel_ids: set[str]
) -> dict[tuple[str, str], list[Assignment]]:
    found: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    stmt = select(Assignment).where(col(Assignment.counsel_id).in_(counsel_ids))
    for a in await session.exec(stmt):
        found[(a.counsel_id, a.village_id)].append(a)
    return found


def _check_months(
    drafts: Sequence[tuple[int, EntryDraft]], settings: Settings, today: date, allow_closed: bool
) -> tuple[str, ...]:
    """Refuse a row of a closed month unless ``allow_closed``; name the closed months."""
    closed: set[Month] = set()
    for line, d in drafts:
        month = Month.of(d.day)
        if is_closed(month, settings.quota.month_close_day, today):
            if not allow_closed:
                raise ImportRefused(
                    line,
                    f"{month} 已关账，不能导入；管理员迁移旧记录请加 --allow-closed（会记入审计）",
                )
            closed.add(month)
    return tuple(str(m) for m in sorted(closed))


async def _check_not_stored(
    session: AsyncSession, drafts: Sequence[tuple[int, EntryDraft]]
) -> None:
    """Refuse a row identical to a stored entry: the file was most likely imported before."""
    days = [d.day for _, d in drafts]
    e = ServiceLogEntry
    stmt = columns(
        col(e.counsel_id), col(e.village_id), col(e.day), col(e.kind), col(e.channel)
    ).where(
        col(e.counsel_id).in_({d.counsel_id for _, d in drafts}),
        col(e.day) >= min(days),
        col(e.day) <= max(days),
    )
    candidates = {tuple(r) for r in await fetch_rows(session, stmt)}
    if not candidates:
        return
    # only the rows whose leading columns match are read whole (minutes, summary)
    suspects = [(line, d) for line, d in drafts if _key_of_draft(d)[:5] in candidates]
    if not suspects:
        return
    full = select(e).where(
        col(e.counsel_id).in_({d.counsel_id for _, d in suspects}),
        col(e.day).in_({d.day for _, d in suspects}),
    )
    stored = {_key_of_entry(x) for x in await session.exec(full)}
    for line, d in suspects:
        if _key_of_draft(d) in stored:
            raise ImportRefused(line, "与已有的服务日志完全相同（是否重复导入？）")


def _key_of_entry(e: ServiceLogEntry) -> Key:
    return (e.counsel_id, e.village_id, e.day, e.kind, e.channel, e.minutes, e.summary)


def _key_of_draft(d: EntryDraft) -> Key:
    return (d.counsel_id, d.village_id, d.day, d.kind, d.channel, d.minutes, d.summary.strip())


STORE_CHUNK = 5_000  # rows per executemany: bounded memory, a progress step


async def _store(
    session: AsyncSession,
    drafts: Sequence[tuple[int, EntryDraft]],
    actor: Actor,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert the entries and their audit rows with Core ``executemany`` (issue 12), in
    chunks, in the caller's transaction. Ids are taken up front (the sequence on
    PostgreSQL; past the largest on SQLite, whose write lock this transaction holds), so
    each chunk is one ``executemany`` per table, not a statement per row."""
    connection = await session.connection()
    entries, audits = table_of(ServiceLogEntry), table_of(AuditEntry)
    ids = await _take_ids(connection, len(drafts))
    for start in range(0, len(drafts), STORE_CHUNK):
        chunk = drafts[start : start + STORE_CHUNK]
        rows = [
            _row(entry_id, d, actor, now)
            for entry_id, (_, d) in zip(ids[start:], chunk, strict=False)
        ]
        await connection.execute(insert(entries), rows)
        await connection.execute(insert(audits), [_audit_row(row, actor, now) for row in rows])
        if progress is not None:
            progress(len(rows))


async def _take_ids(connection: AsyncConnection, count: int) -> list[int]:
    """``count`` fresh entry ids."""
    if connection.dialect.name == "postgresql":
        found = await connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('servicelogentry', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(i) for i in found.scalars()]
    largest = (
        await connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM servicelogentry"))
    ).scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))


def _row(entry_id: int, d: EntryDraft, actor: Actor, now: datetime) -> dict[str, Any]:
    return {"id": entry_id, **entry_columns(d), "created_by": actor.name, "created_at": now}


def _audit_row(row: dict[str, Any], actor: Actor, now: datetime) -> dict[str, Any]:
    """The audit row an imported entry gets: the same image :func:`entry_image` gives."""
    image = dict(row)
    image["day"] = row["day"].isoformat()
    image["created_at"] = now.isoformat()
    return {
        "at": now,
        "actor": actor.name,
        "action": "import",
        "entity": ENTITY,
        "entity_id": str(row["id"]),
        "before": None,
        "after": image,
    }


def _file_audit(
    actor: Actor, now: datetime, rows: int, closed: tuple[str, ...], allow_closed: bool
) -> AuditEntry:
    return AuditEntry(
        at=now,
        actor=actor.name,
        action="import_file",
        entity=ENTITY,
        entity_id=f"{rows} rows",
        after={"rows": rows, "allow_closed": allow_closed, "closed_months": list(closed)},
    )


async def entries_for_export(
    session: AsyncSession, *, month: Month | None = None, county: str | None = None
) -> list[ServiceLogEntry]:
    """Entries of a month (or all) of a county (or all), by date, counsel, village, id."""
    stmt = select(ServiceLogEntry)
    if month is not None:
        stmt = stmt.where(
            col(ServiceLogEntry.day) >= month.first, col(ServiceLogEntry.day) <= month.last
        )
    counties = await county_ids(session, Scope(county=county))
    if counties is not None:
        stmt = stmt.where(col(ServiceLogEntry.village_id).in_(villages_of_counties(counties)))
    stmt = stmt.order_by(
        col(ServiceLogEntry.day),
        col(ServiceLogEntry.counsel_id),
        col(ServiceLogEntry.village_id),
        col(ServiceLogEntry.id),
    )
    return list(await session.exec(stmt))


def export_rows(entries: Sequence[ServiceLogEntry]) -> list[list[str | int]]:
    """The entries as rows of :data:`EXPORT_COLUMNS` (importable back as they are)."""
    return [
        [
            e.counsel_id,
            e.village_id,
            e.day.isoformat(),
            e.kind,
            e.channel,
            e.minutes,
            e.summary,
            e.activity or "",
        ]
        for e in entries
    ]
