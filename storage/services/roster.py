"""Roster import: counties, towns, villages, counsel and their dated assignments.

The file is refused whole, with the line number, when any row breaks a rule; a file
that is accepted is written in one transaction, and importing it again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import LimitSettings, QuotaSettings
from storage.csvutil import Row, read_rows
from storage.db import Database
from storage.errors import ImportRefused
from storage.models import Assignment, AuditEntry, Counsel, County, Town, Village
from storage.periods import DateWindow

COLUMNS = (
    "county",
    "town",
    "village_id",
    "village_name",
    "flexible",
    "counsel_id",
    "counsel_name",
    "firm",
    "phone",
    "email",
    "wechat",
    "trainee",
)
OPTIONAL_COLUMNS = ("start", "end")


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One counsel-village assignment as read from the file."""

    line: int
    county: str
    town: str
    village: Village
    counsel: Counsel
    start: date | None
    end: date | None


@dataclass(slots=True)
class ImportSummary:
    """What an accepted import did."""

    rows: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def changed(self) -> bool:
        """True when anything was created or updated."""
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def describe(self) -> str:
        """One Chinese line for the CLI."""
        made = "，".join(f"{k} {v}" for k, v in self.created.items() if v) or "无"
        upd = "，".join(f"{k} {v}" for k, v in self.updated.items() if v) or "无"
        return f"已导入 {self.rows} 行。新建：{made}；更新：{upd}。"


def parse_roster(text: str, window: DateWindow) -> list[RosterRow]:
    """Read and check every row (fields, dates in ``window``, consistency within the file)."""
    rows = [_parse_row(r, window) for r in read_rows(text, COLUMNS, OPTIONAL_COLUMNS)]
    if not rows:
        raise ImportRefused(1, "文件里没有数据行")
    _check_consistent(rows)
    return rows


def _parse_row(row: Row, window: DateWindow) -> RosterRow:
    start = row.day("start", window, optional=True)
    end = row.day("end", window, optional=True)
    if start and end and end < start:
        raise ImportRefused(row.line, f"end {end} 早于 start {start}")
    village = Village(
        id=row.required("village_id"),
        name=row.required("village_name"),
        town_id=0,
        flexible=row.flag("flexible"),
    )
    counsel = Counsel(
        id=row.required("counsel_id"),
        name=row.required("counsel_name"),
        firm=row.get("firm"),
        phone=row.get("phone"),
        email=row.get("email"),
        wechat=row.get("wechat") or None,
        trainee=row.flag("trainee"),
    )
    county, town = row.required("county"), row.required("town")
    return RosterRow(row.line, county, town, village, counsel, start, end)


def _check_consistent(rows: Sequence[RosterRow]) -> None:
    villages: dict[str, tuple[object, ...]] = {}
    counsel: dict[str, tuple[object, ...]] = {}
    wechat_owner: dict[str, str] = {}
    seen: set[tuple[str, str, date | None]] = set()
    for r in rows:
        v = (r.county, r.town, r.village.name, r.village.flexible)
        if villages.setdefault(r.village.id, v) != v:
            raise ImportRefused(r.line, f"村 {r.village.id} 的县/镇/村名/弹性与前面的行不一致")
        c = (
            r.counsel.name,
            r.counsel.firm,
            r.counsel.phone,
            r.counsel.email,
            r.counsel.wechat,
            r.counsel.trainee,
        )
        if counsel.setdefault(r.counsel.id, c) != c:
            raise ImportRefused(r.line, f"律师 {r.counsel.id} 的信息与前面的行不一致")
        if (
            r.counsel.wechat
            and wechat_owner.setdefault(r.counsel.wechat, r.counsel.id) != r.counsel.id
        ):
            raise ImportRefused(r.line, f"微信号 {r.counsel.wechat} 已属于另一位律师")
        key = (r.counsel.id, r.village.id, r.start)
        if key in seen:
            raise ImportRefused(r.line, "重复的派驻行（同一律师、同一村、同一开始日期）")
        seen.add(key)


async def import_roster(
    db: Database,
    text: str,
    quota: QuotaSettings,
    actor: str = "cli",
    *,
    window: DateWindow | None = None,
) -> ImportSummary:
    """Check the whole file against the rules (Q6, Q7) and write it in one transaction.

    Dates must lie in ``window`` (default: the default number of years around today).
    """
    window = window or DateWindow.around(
        datetime.now(UTC).date(), LimitSettings().date_window_years
    )
    rows = parse_roster(text, window)
    async with db.transaction() as session:
        await _check_wechat_owners(session, rows)
        merged = await _merged_assignments(session, rows)
        _check_trainees_not_alone(merged, rows)
        _check_village_limit(merged, rows, quota.max_villages_per_counsel)
        summary = await _write(session, rows)
        if summary.changed:
            session.add(
                AuditEntry(
                    actor=actor,
                    action="import",
                    entity="roster",
                    entity_id=str(summary.rows),
                    after=_plain(summary),
                )
            )
    return summary


def _plain(summary: ImportSummary) -> dict[str, object]:
    return {"created": dict(summary.created), "updated": dict(summary.updated)}


async def _check_wechat_owners(session: AsyncSession, rows: Sequence[RosterRow]) -> None:
    ids = {r.counsel.wechat: r for r in rows if r.counsel.wechat}
    if not ids:
        return
    found = await session.exec(select(Counsel).where(col(Counsel.wechat).in_(list(ids))))
    for existing in found:
        row = ids[existing.wechat or ""]
        if existing.id != row.counsel.id:
            raise ImportRefused(row.line, f"微信号 {existing.wechat} 已属于律师 {existing.id}")


@dataclass(frozen=True, slots=True)
class _Span:
    counsel_id: str
    village_id: str
    start: date | None
    end: date | None
    trainee: bool
    line: int | None  # None: already stored, not from this file

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


async def _merged_assignments(session: AsyncSession, rows: Sequence[RosterRow]) -> list[_Span]:
    """The stored assignments of the villages and counsel in the file, with the file's rows."""
    village_ids = {r.village.id for r in rows}
    counsel_ids = {r.counsel.id for r in rows}
    trainee = {r.counsel.id: r.counsel.trainee for r in rows}
    stmt = (
        select(Assignment, Counsel.trainee)
        .join(Counsel, col(Counsel.id) == col(Assignment.counsel_id))
        .where(
            col(Assignment.village_id).in_(village_ids)
            | col(Assignment.counsel_id).in_(counsel_ids)
        )
    )
    spans: dict[tuple[str, str, date | None], _Span] = {}
    for a, is_trainee in await session.exec(stmt):
        t = trainee.get(a.counsel_id, is_trainee)
        spans[(a.counsel_id, a.village_id, a.start)] = _Span(
            a.counsel_id, a.village_id, a.start, a.end, t, None
        )
    for r in rows:
        spans[(r.counsel.id, r.village.id, r.start)] = _Span(
            r.counsel.id, r.village.id, r.start, r.end, r.counsel.trainee, r.line
        )
    return list(spans.values())


def _check_trainees_not_alone(spans: Sequence[_Span], rows: Sequence[RosterRow]) -> None:
    """Rule Q7: over a trainee's whole assignment a non-trainee serves the same village.

    Checked for every trainee of a village the file touches, stored ones included: a file
    that ends a lawyer's assignment must not leave a stored trainee alone.
    """
    touched = {r.village.id: r.line for r in rows}  # the last line of the file per village
    by_village: dict[str, list[_Span]] = defaultdict(list)
    for s in spans:
        by_village[s.village_id].append(s)
    for s in spans:
        if not s.trainee or s.village_id not in touched:
            continue
        lawyers = [o for o in by_village[s.village_id] if not o.trainee]
        gap = _first_uncovered(s, lawyers)
        if gap is not None:
            when = "" if gap == date.min else f"{gap.isoformat()} 起"
            raise ImportRefused(
                s.line or _line_ending_before(gap, lawyers) or touched[s.village_id],
                f"实习人员 {s.counsel_id} 不能单独担任村 {s.village_id} 的法律顾问"
                f"（{when}没有执业律师同时派驻，规则 Q7）",
            )


def _line_ending_before(gap: date, lawyers: Sequence[_Span]) -> int | None:
    """The file line of a lawyer's assignment that ends the day before ``gap``, if any."""
    return next(
        (o.line for o in lawyers if o.line and o.end and o.end + timedelta(days=1) == gap), None
    )


def _first_uncovered(span: _Span, others: Sequence[_Span]) -> date | None:
    """The first day of ``span`` that no span of ``others`` covers, or None.

    A gap can only begin on the span's first day or the day after another span ends.
    """
    candidates = [span.start or date.min]
    candidates += [o.end + timedelta(days=1) for o in others if o.end and o.end < date.max]
    for day in sorted(candidates):
        if span.covers(day) and not any(o.covers(day) for o in others):
            return day
    return None


def _check_village_limit(spans: Sequence[_Span], rows: Sequence[RosterRow], limit: int) -> None:
    """Rule Q6: at no date does one lawyer serve more than ``limit`` villages."""
    by_counsel: dict[str, list[_Span]] = defaultdict(list)
    for s in spans:
        by_counsel[s.counsel_id].append(s)
    for counsel_id, mine in by_counsel.items():
        for probe in mine:
            day = probe.start or date.min
            active = sorted(
                (s for s in mine if s.covers(day)), key=lambda s: (s.line is None, s.line or 0)
            )
            villages = {s.village_id for s in active}
            if len(villages) > limit:
                line = max((s.line for s in active if s.line is not None), default=None)
                if line is not None:
                    raise ImportRefused(
                        line,
                        f"律师 {counsel_id} 同时担任 {len(villages)} 个村的法律顾问，"
                        f"超过上限 {limit} 个（规则 Q6）",
                    )


async def _write(session: AsyncSession, rows: Sequence[RosterRow]) -> ImportSummary:
    summary = ImportSummary(rows=len(rows))
    towns: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r.county, r.town)
        if key not in towns:
            towns[key] = await _town_id(session, r.county, r.town, summary)
        village = Village(
            id=r.village.id, name=r.village.name, town_id=towns[key], flexible=r.village.flexible
        )
        await _upsert(session, Village, village.id, village, summary, "villages")
        await _upsert(session, Counsel, r.counsel.id, r.counsel, summary, "counsel")
        await session.flush()
        await _upsert_assignment(session, r, summary)
    return summary


async def _town_id(session: AsyncSession, county: str, town: str, summary: ImportSummary) -> int:
    found = (await session.exec(select(County).where(County.name == county))).first()
    if found is None:
        found = County(name=county)
        session.add(found)
        await session.flush()
        summary.created["counties"] += 1
    assert found.id is not None
    stmt = select(Town).where(Town.county_id == found.id, Town.name == town)
    place = (await session.exec(stmt)).first()
    if place is None:
        place = Town(county_id=found.id, name=town)
        session.add(place)
        await session.flush()
        summary.created["towns"] += 1
    assert place.id is not None
    return place.id


async def _upsert(
    session: AsyncSession,
    table: type[Village] | type[Counsel],
    key: str,
    new: Village | Counsel,
    summary: ImportSummary,
    label: str,
) -> None:
    current = await session.get(table, key)
    if current is None:
        session.add(new)
        summary.created[label] += 1
        return
    changes = {k: v for k, v in new.model_dump().items() if getattr(current, k) != v}
    if changes:
        current.sqlmodel_update(changes)
        session.add(current)
        summary.updated[label] += 1


async def _upsert_assignment(session: AsyncSession, r: RosterRow, summary: ImportSummary) -> None:
    stmt = select(Assignment).where(
        Assignment.counsel_id == r.counsel.id,
        Assignment.village_id == r.village.id,
        Assignment.start == r.start,
    )
    current = (await session.exec(stmt)).first()
    if current is None:
        session.add(
            Assignment(counsel_id=r.counsel.id, village_id=r.village.id, start=r.start, end=r.end)
        )
        summary.created["assignments"] += 1
    elif current.end != r.end:
        current.end = r.end
        session.add(current)
        summary.updated["assignments"] += 1
