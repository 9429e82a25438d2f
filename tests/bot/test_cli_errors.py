"""How the command line speaks: one 「错误：」 prefix, exit codes, and db upgrade's account."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner over a new, empty SQLite file and no configuration file."""
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    return CliRunner()


def test_first_upgrade_says_it_created_the_schema(fresh: CliRunner) -> None:
    out = fresh.invoke(main, ["db", "upgrade"])
    assert out.exit_code == 0
    assert "已创建数据库结构" in out.stdout
    assert "无需升级" not in out.stdout


def test_second_upgrade_says_nothing_was_needed(fresh: CliRunner) -> None:
    fresh.invoke(main, ["db", "upgrade"])
    out = fresh.invoke(main, ["db", "upgrade"])
    assert out.exit_code == 0
    assert "已是最新结构" in out.stdout


def test_usage_error_has_the_chinese_prefix_and_the_usage(fresh: CliRunner) -> None:
    out = fresh.invoke(main, ["report", "--month", "2026-11", "--year", "2026"])
    assert out.exit_code == 2
    assert "错误：请只给出 --month、--half、--year 其中之一" in out.stderr
    assert "用法：" in out.stderr
    assert "Error:" not in out.stderr


def test_missing_argument_has_the_chinese_prefix(fresh: CliRunner) -> None:
    out = fresh.invoke(main, ["group", "bind"])
    assert out.exit_code == 2
    assert out.stderr.count("错误：") == 1
    assert "Error:" not in out.stderr


def test_bad_option_value_has_the_chinese_prefix(fresh: CliRunner) -> None:
    fresh.invoke(main, ["db", "upgrade"])
    out = fresh.invoke(main, ["report", "--month", "2026-13"])
    assert out.exit_code == 2
    assert "错误：" in out.stderr
    assert "YYYY-MM" in out.stderr


def test_domain_refusal_is_one_line_with_exit_code_2(fresh: CliRunner) -> None:
    fresh.invoke(main, ["db", "upgrade"])
    out = fresh.invoke(main, ["group", "bind", "某群", "不存在村"])
    assert out.exit_code == 2
    assert out.stderr.strip().splitlines() == [
        "错误：没有编号或名称为 不存在村 的村：请先用 vcbot roster import 导入名册"
    ]


def test_operator_error_uses_the_same_prefix(fresh: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_bytes("county\n\xff".encode("latin-1"))
    fresh.invoke(main, ["db", "upgrade"])
    out = fresh.invoke(main, ["roster", "import", str(bad)])
    assert out.exit_code == 1
    assert out.stderr.startswith("错误：")
    assert "UTF-8" in out.stderr


def test_help_exits_zero(fresh: CliRunner) -> None:
    out = fresh.invoke(main, ["--help"])
    assert out.exit_code == 0
    assert "reminders" in out.stdout


def test_stored_jobs_are_listed_without_running_any(fresh: CliRunner) -> None:
    fresh.invoke(main, ["db", "upgrade"])
    out = fresh.invoke(main, ["reminders", "jobs"])
    assert out.exit_code == 0
    assert "还没有保存的提醒任务" in out.stdout


def test_a_command_on_a_missing_sqlite_file_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "nowhere" / "vcbot.db"
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    for args in (["chat"], ["report", "--month", "2026-11"], ["reminders", "jobs"]):
        out = CliRunner().invoke(main, args, input="")
        assert out.exit_code == 2
        assert "数据库文件不存在" in out.stderr
        assert "vcbot db upgrade" in out.stderr
    assert not target.parent.exists()


def test_db_upgrade_creates_the_missing_folder_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "nowhere" / "vcbot.db"
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    assert target.exists()
