"""Roster import: accepted files are written whole and idempotently; bad ones refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from config import QuotaSettings, Settings
from storage.db import Database
from storage.errors import ImportRefused
from storage.models import Assignment, Counsel, Town, Village
from storage.services.roster import COLUMNS, import_roster

HEADER = ",".join(COLUMNS)


def row(village: str, counsel: str, *, trainee: str = "否", flexible: str = "否",
        town: str = "东岭镇", extra: str = "") -> str:  # fmt: skip
    """One roster line with fictional details derived from the ids."""
    return (
        f"示范县,{town},{village},{village}村,{flexible},{counsel},{counsel}律师,示范所,"
        f"0000-{abs(hash(counsel)) % 10**7:07d},{counsel}@x.example,wx_{counsel},{trainee}{extra}"
    )


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


async def count(
    db: Database, table: type[Village] | type[Counsel] | type[Assignment] | type[Town]
) -> int:
    async with db.read() as s:
        return (await s.exec(select(func.count()).select_from(table))).one()


async def test_accepted_file_creates_everything(db: Database, settings: Settings) -> None:
    summary = await import_roster(
        db, csv(row("V1", "L1"), row("V2", "L1"), row("V3", "L2", town="南湾镇")), settings.quota
    )
    assert summary.created["villages"] == 3
    assert summary.created["counsel"] == 2
    assert summary.created["assignments"] == 3
    assert summary.created["towns"] == 2
    assert await count(db, Village) == 3


async def test_reimport_changes_nothing(db: Database, settings: Settings) -> None:
    text = csv(row("V1", "L1"), row("V2", "L1", flexible="是"))
    await import_roster(db, text, settings.quota)
    again = await import_roster(db, text, settings.quota)
    assert not again.changed
    assert await count(db, Assignment) == 2


async def test_changed_details_are_updated(db: Database, settings: Settings) -> None:
    await import_roster(db, csv(row("V1", "L1")), settings.quota)
    summary = await import_roster(db, csv(row("V1", "L1", flexible="是")), settings.quota)
    assert summary.updated["villages"] == 1
    async with db.read() as s:
        village = await s.get(Village, "V1")
    assert village is not None
    assert village.flexible


async def test_trainee_alone_is_refused_with_line(db: Database, settings: Settings) -> None:
    text = csv(row("V1", "L1"), row("V2", "T1", trainee="是"))
    with pytest.raises(ImportRefused, match="Q7") as err:
        await import_roster(db, text, settings.quota)
    assert err.value.line == 3
    assert await count(db, Village) == 0


async def test_trainee_beside_a_lawyer_is_accepted(db: Database, settings: Settings) -> None:
    text = csv(row("V1", "T1", trainee="是"), row("V1", "L1"))
    summary = await import_roster(db, text, settings.quota)
    assert summary.created["assignments"] == 2


async def test_trainee_outlasting_the_lawyer_is_refused(db: Database, settings: Settings) -> None:
    header = HEADER + ",start,end"
    text = csv(
        row("V1", "L1", extra=",2026-01-01,2026-06-30"),
        row("V1", "T1", trainee="是", extra=",2026-03-01,2026-12-31"),
        header=header,
    )
    with pytest.raises(ImportRefused, match="2026-07-01") as err:
        await import_roster(db, text, settings.quota)
    assert err.value.line == 3


async def test_trainee_checked_against_stored_lawyer(db: Database, settings: Settings) -> None:
    await import_roster(db, csv(row("V1", "L1")), settings.quota)
    summary = await import_roster(db, csv(row("V1", "T1", trainee="是")), settings.quota)
    assert summary.created["assignments"] == 1


async def test_ninth_village_is_refused_at_its_line(db: Database, settings: Settings) -> None:
    rows = [row(f"V{i}", "L1") for i in range(1, 10)]
    with pytest.raises(ImportRefused, match="Q6") as err:
        await import_roster(db, csv(*rows), settings.quota)
    assert err.value.line == 10
    assert await count(db, Counsel) == 0


async def test_village_limit_is_a_setting(db: Database) -> None:
    rows = [row(f"V{i}", "L1") for i in range(1, 4)]
    with pytest.raises(ImportRefused, match="上限 2"):
        await import_roster(db, csv(*rows), QuotaSettings(max_villages_per_counsel=2))


async def test_village_limit_counts_stored_assignments(db: Database, settings: Settings) -> None:
    await import_roster(db, csv(*[row(f"V{i}", "L1") for i in range(1, 9)]), settings.quota)
    with pytest.raises(ImportRefused, match="Q6"):
        await import_roster(db, csv(row("V9", "L1")), settings.quota)


async def test_consecutive_assignments_do_not_add_up(db: Database, settings: Settings) -> None:
    header = HEADER + ",start,end"
    rows = [row(f"V{i}", "L1", extra=",2025-01-01,2025-12-31") for i in range(1, 9)]
    rows += [row(f"W{i}", "L1", extra=",2026-01-01,") for i in range(1, 9)]
    summary = await import_roster(db, csv(*rows, header=header), settings.quota)
    assert summary.created["assignments"] == 16


async def test_unknown_column_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="未知的列 remark") as err:
        await import_roster(
            db, csv(row("V1", "L1") + ",x", header=HEADER + ",remark"), settings.quota
        )
    assert err.value.line == 1


async def test_missing_column_is_refused(db: Database, settings: Settings) -> None:
    header = HEADER.replace(",trainee", "")
    with pytest.raises(ImportRefused, match="缺少列 trainee"):
        await import_roster(
            db, csv(row("V1", "L1").rsplit(",", 1)[0], header=header), settings.quota
        )


async def test_empty_id_is_refused_with_line(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="village_id 不能为空") as err:
        await import_roster(db, csv(row("V1", "L1"), row("", "L1")), settings.quota)
    assert err.value.line == 3
    assert await count(db, Village) == 0


async def test_bad_flag_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="trainee 应为 是/否"):
        await import_roster(db, csv(row("V1", "L1", trainee="maybe")), settings.quota)


async def test_bad_date_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="start 应为日期") as err:
        await import_roster(
            db,
            csv(row("V1", "L1", extra=",2026/1/1,"), header=HEADER + ",start,end"),
            settings.quota,
        )
    assert err.value.line == 2


async def test_inconsistent_village_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="不一致") as err:
        await import_roster(
            db, csv(row("V1", "L1"), row("V1", "L2", flexible="是")), settings.quota
        )
    assert err.value.line == 3


async def test_wrong_column_count_is_refused(db: Database, settings: Settings) -> None:
    with pytest.raises(ImportRefused, match="应有 12 列") as err:
        await import_roster(db, csv(row("V1", "L1"), "示范县,东岭镇,V2"), settings.quota)
    assert err.value.line == 3
