"""``vcbot logs import`` / ``export``: all-or-nothing import, export that imports back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func
from sqlmodel import select

from config import Settings
from storage.db import Database
from storage.errors import ImportRefused, NotFound
from storage.exports import csv_text, xlsx_bytes
from storage.models import AuditEntry, ServiceLogEntry
from storage.periods import Month
from storage.services.ledger import Actor
from storage.services.ledger_io import (
    COLUMNS,
    EXPORT_COLUMNS,
    entries_for_export,
    export_rows,
    import_logs,
)
from tests.ledger_data import NOW, load_roster

HEADER = ",".join(COLUMNS)
GOOD = (
    "L1,V1,2026-11-03,onsite,visit,180,驻村接待",
    "L1,V1,2026-11-04,offsite,phone,30,电话解答",
    "L1,V2,2026-11-05,offsite,video_lecture,60,微视频普法",
    "L3,W1,2026-11-06,onsite,night_school,90,法律夜校",
)
ADMIN = Actor("cli:admin", can_edit_closed=True)


@pytest.fixture
async def roster(db: Database, settings: Settings) -> Database:
    """The shared roster loaded into ``db``."""
    await load_roster(db, settings)
    return db


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


async def run_import(
    db: Database, settings: Settings, text: str, allow_closed: bool = False
) -> int:
    summary = await import_logs(db, text, settings, actor=ADMIN, now=NOW, allow_closed=allow_closed)
    return summary.rows


async def stored(db: Database) -> int:
    async with db.read() as s:
        return (await s.exec(select(func.count()).select_from(ServiceLogEntry))).one()


async def export_csv(db: Database, **kwargs: object) -> str:
    async with db.read() as s:
        entries = await entries_for_export(s, **kwargs)  # type: ignore[arg-type]
    return csv_text(EXPORT_COLUMNS, export_rows(entries))


async def test_accepted_file_stores_every_row(roster: Database, settings: Settings) -> None:
    assert await run_import(roster, settings, csv(*GOOD)) == 4
    assert await stored(roster) == 4


async def test_import_audits_each_entry_and_the_file(roster: Database, settings: Settings) -> None:
    await run_import(roster, settings, csv(*GOOD))
    async with roster.read() as s:
        actions = list(
            await s.exec(select(AuditEntry.action).where(AuditEntry.entity == "service_log"))
        )
    assert sorted(actions) == ["import"] * 4 + ["import_file"]


async def test_chinese_labels_are_accepted(roster: Database, settings: Settings) -> None:
    await run_import(roster, settings, csv("L1,V1,2026-11-04,非现场,电话,30,电话解答"))
    async with roster.read() as s:
        entry = (await s.exec(select(ServiceLogEntry))).one()
    assert (entry.kind, entry.channel, entry.source) == ("offsite", "phone", "import")


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("L9,V1,2026-11-04,offsite,phone,30,x", "没有编号为 L9 的律师"),
        ("L1,V9,2026-11-04,offsite,phone,30,x", "没有编号为 V9 的村"),
        ("L1,V3,2026-11-04,offsite,phone,30,x", "没有派驻村 V3"),
        ("L1,V1,2026-11-04,offsite,phone,0,x", r"1\.\.1440"),
        ("L1,V1,2026-11-04,offsite,phone,1441,x", r"1\.\.1440"),
        ("L1,V1,2026-11-04,offsite,phone,半小时,x", "整数"),
        ("L1,V1,2026-11-31,offsite,phone,30,x", "YYYY-MM-DD"),
        ("L1,V1,2026-11-04,remote,phone,30,x", "kind"),
        ("L1,V1,2026-11-04,offsite,fax,30,x", "channel"),
        ("L1,V1,2026-10-30,offsite,phone,30,x", "已关账"),
    ],
)
async def test_bad_row_refuses_whole_file_naming_line(
    roster: Database, settings: Settings, bad_row: str, reason: str
) -> None:
    with pytest.raises(ImportRefused, match=reason) as err:
        await run_import(roster, settings, csv(*GOOD, bad_row))
    assert err.value.line == 6
    assert await stored(roster) == 0


async def test_allow_closed_imports_into_closed_month(roster: Database, settings: Settings) -> None:
    assert await run_import(roster, settings, csv("L1,V1,2026-10-30,offsite,phone,30,x"), True) == 1


async def test_allow_closed_import_is_recorded_in_audit(
    roster: Database, settings: Settings
) -> None:
    await run_import(roster, settings, csv("L1,V1,2026-10-30,offsite,phone,30,x"), True)
    async with roster.read() as s:
        row = (await s.exec(select(AuditEntry).where(AuditEntry.action == "import_file"))).one()
    assert row.actor == "cli:admin"
    assert row.after == {"rows": 1, "allow_closed": True, "closed_months": ["2026-10"]}


async def test_reimporting_same_file_is_refused(roster: Database, settings: Settings) -> None:
    await run_import(roster, settings, csv(*GOOD))
    with pytest.raises(ImportRefused, match="重复导入") as err:
        await run_import(roster, settings, csv(*GOOD))
    assert err.value.line == 2


async def test_export_then_import_gives_the_same_entries(
    roster: Database, settings: Settings
) -> None:
    with_activity = [f"{r}," for r in GOOD] + ["L1,V1,2026-11-07,onsite,visit,120,课堂,law_class"]
    await run_import(roster, settings, csv(*with_activity, header=HEADER + ",activity"))
    exported = await export_csv(roster)
    async with roster.transaction() as s:
        await s.exec(delete(ServiceLogEntry))
    await run_import(roster, settings, exported)
    assert await export_csv(roster) == exported
    assert "law_class" in exported


async def test_export_of_a_month_leaves_other_months_out(
    roster: Database, settings: Settings
) -> None:
    await run_import(roster, settings, csv(*GOOD, "L1,V1,2026-10-30,offsite,phone,30,x"), True)
    lines = (await export_csv(roster, month=Month(2026, 10))).splitlines()
    assert lines == [",".join(EXPORT_COLUMNS), "L1,V1,2026-10-30,offsite,phone,30,x,"]


async def test_export_of_a_county_leaves_other_counties_out(
    roster: Database, settings: Settings
) -> None:
    await run_import(roster, settings, csv(*GOOD))
    text = await export_csv(roster, county="另一县")
    assert text.splitlines()[1:] == ["L3,W1,2026-11-06,onsite,night_school,90,法律夜校,"]


async def test_export_of_unknown_county_is_refused(roster: Database) -> None:
    with pytest.raises(NotFound, match="示范县"):
        await export_csv(roster, county="无此县")


async def test_xlsx_export_holds_the_same_rows(roster: Database, settings: Settings) -> None:
    await run_import(roster, settings, csv(*GOOD))
    async with roster.read() as s:
        rows = export_rows(await entries_for_export(s))
    book = load_workbook(io.BytesIO(xlsx_bytes(EXPORT_COLUMNS, rows, "服务日志")))
    values = [list(r) for r in book["服务日志"].iter_rows(values_only=True)]
    assert values[0] == list(EXPORT_COLUMNS)
    assert values[1] == ["L1", "V1", "2026-11-03", "onsite", "visit", 180, "驻村接待", None]
