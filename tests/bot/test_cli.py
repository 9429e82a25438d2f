"""The vcbot command line, end to end on a real database of each backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.demo import roster_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def vcbot(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A runner whose VCBOT_DATABASE_URL is the test database, migrated."""
    monkeypatch.setenv("VCBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    return runner


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(main, list(args), input=stdin)


def roster_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_question_is_answered_naming_the_counsel(vcbot: CliRunner, tmp_path: Path) -> None:
    assert run(vcbot, "roster", "import", roster_file(tmp_path, roster_csv())).exit_code == 0
    assert run(vcbot, "group", "bind", "南岗村群", "DL01").exit_code == 0
    out = run(vcbot, "chat", stdin="张三@南岗村群: 我家宅基地被占了怎么办\n")
    assert out.exit_code == 0
    assert out.stdout.startswith(">> 南岗村群: @张三")
    assert "@陈明远" in out.stdout
    assert "宅基地" in out.stdout


def test_bad_roster_is_refused_with_line(vcbot: CliRunner, tmp_path: Path) -> None:
    lines = roster_csv().splitlines()
    lines[3] = lines[3].replace(",DL03,", ",,")
    out = run(vcbot, "roster", "import", roster_file(tmp_path, "\n".join(lines)))
    assert out.exit_code == 2
    assert "第 4 行：village_id 不能为空" in out.stderr


def test_reimport_reports_no_change(vcbot: CliRunner, tmp_path: Path) -> None:
    path = roster_file(tmp_path, roster_csv())
    run(vcbot, "roster", "import", path)
    out = run(vcbot, "roster", "import", path)
    assert "没有变化" in out.stdout


def test_bind_to_unknown_village_says_what_to_do(vcbot: CliRunner) -> None:
    out = run(vcbot, "group", "bind", "某群", "NOPE")
    assert out.exit_code == 2
    assert "roster import" in out.stderr


def test_bad_console_line_is_reported_and_others_handled(vcbot: CliRunner, tmp_path: Path) -> None:
    run(vcbot, "roster", "import", roster_file(tmp_path, roster_csv()))
    out = run(vcbot, "chat", stdin="乱七八糟\n李四: 我的律师 南岗村\n")
    assert out.exit_code == 1
    assert "发送者@群: 内容" in out.stderr
    assert ">> 私聊 李四: 【南岗村法律顾问联系卡】" in out.stdout


def test_demo_load_refused_outside_demo_mode(vcbot: CliRunner) -> None:
    out = run(vcbot, "demo", "load")
    assert out.exit_code != 0
    assert "VCBOT_MODE=demo" in out.output


def test_demo_load_fills_the_county(vcbot: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCBOT_MODE", "demo")
    out = run(vcbot, "demo", "load", "--reset")
    assert out.exit_code == 0, out.output
    assert "villages 12" in out.stdout
    chat = run(vcbot, "chat", stdin="张三@北坑村群: 老板欠我工钱不给咋办\n")
    assert "@陈明远" in chat.stdout


def test_chat_on_unmigrated_database_says_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    out = CliRunner().invoke(main, ["chat"], input="")
    assert out.exit_code == 2
    assert "vcbot db upgrade" in out.stderr


def test_classify_writes_one_json_line_per_input() -> None:
    out = CliRunner().invoke(main, ["classify"], input="老板欠我工钱\n\n宅基地被占了怎么办\n")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["category"] for r in rows] == ["labor", "other", "homestead"]
    assert set(rows[0]) == {"category", "confidence", "intents", "keywords"}


def test_eval_prints_accuracy_and_macro_f1() -> None:
    out = CliRunner().invoke(
        main, ["eval", str(ROOT / "tests" / "data" / "questions_holdout.jsonl")]
    )
    assert out.exit_code == 0
    assert "accuracy" in out.stdout
    assert "macro-F1" in out.stdout
