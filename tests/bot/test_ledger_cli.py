"""``vcbot logs`` / ``report`` / ``campaign`` against a real database of each backend."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from config import Settings
from storage.db import Database
from storage.periods import Month
from tests.ledger_data import TZ, load_roster

THIS_MONTH = Month.of(datetime.now(TZ).date())
FIRST = THIS_MONTH.first.isoformat()
HEADER = "counsel_id,village_id,date,kind,channel,minutes,summary,activity"
ROWS = (
    f"L1,V1,{FIRST},onsite,visit,180,驻村接待,",
    f"L1,V1,{FIRST},offsite,phone,30,电话解答,dispute_screening",
    f"L3,W1,{FIRST},offsite,wechat,45,微信答复,",
)


@pytest.fixture
def cli_db(db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The roster in a fresh database that the CLI is pointed at."""

    async def setup() -> None:
        db = Database(db_url)
        await load_roster(db, settings)
        await db.dispose()

    asyncio.run(setup())
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("VCBOT_CONFIG", "/nonexistent/vcbot.toml")
    return db_url


def vcbot(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "logs.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_import_then_export_gives_the_same_file(cli_db: str, tmp_path: Path) -> None:
    result = vcbot("logs", "import", write(tmp_path, *ROWS))
    assert (result.exit_code, result.output.strip()) == (0, "已导入 3 条服务日志。")
    exported = vcbot("logs", "export", "--month", str(THIS_MONTH)).output
    assert sorted(exported.strip().splitlines()) == sorted([HEADER, *ROWS])


def test_bad_file_exits_2_naming_the_line(cli_db: str, tmp_path: Path) -> None:
    result = vcbot("logs", "import", write(tmp_path, *ROWS, f"L1,V9,{FIRST},offsite,phone,30,x,"))
    assert result.exit_code == 2
    assert "第 5 行：没有编号为 V9 的村" in result.output


def test_export_county_to_xlsx_file(cli_db: str, tmp_path: Path) -> None:
    vcbot("logs", "import", write(tmp_path, *ROWS))
    out = tmp_path / "w.xlsx"
    assert vcbot("logs", "export", "--county", "另一县", "--xlsx", "-o", str(out)).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_month_report_as_json(cli_db: str, tmp_path: Path) -> None:
    vcbot("logs", "import", write(tmp_path, *ROWS))
    result = vcbot("report", "--month", str(THIS_MONTH), "--county", "示范县", "--format", "json")
    rows = json.loads(result.output)
    v1 = next(r for r in rows if r["village_id"] == "V1")
    assert [r["village_id"] for r in rows] == ["V1", "V2"]
    assert (v1["onsite"], v1["offsite"], v1["credited"], v1["shortfall"]) == (180, 30, 210, 270)


def test_month_report_as_csv_has_the_fields(cli_db: str) -> None:
    header = vcbot("report", "--month", str(THIS_MONTH), "--format", "csv").output.splitlines()[0]
    assert header.startswith(
        "counsel_id,counsel_name,village_id,village_name,county,month,onsite,visits,offsite,"
    )


def test_report_needs_exactly_one_period(cli_db: str) -> None:
    result = vcbot("report", "--month", str(THIS_MONTH), "--year", "2026")
    assert result.exit_code == 2
    assert "其中之一" in result.output


def test_year_summary_lists_each_counsel(cli_db: str) -> None:
    result = vcbot("report", "--year", "2026", "--format", "json")
    assert [r["counsel_id"] for r in json.loads(result.output)] == ["L1", "L2", "L3"]


def test_campaign_counts_as_csv(cli_db: str, tmp_path: Path) -> None:
    vcbot("logs", "import", write(tmp_path, *ROWS))
    result = vcbot(
        "campaign", "--from", FIRST, "--to", THIS_MONTH.last.isoformat(), "--format", "csv"
    )
    assert "L1,甲律师,0,0,1,0,否" in result.output.splitlines()
