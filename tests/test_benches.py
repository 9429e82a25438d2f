"""The benches of issue 12 at a smoke size, as their commands run them: each must still
run against today's code and print its figures (the figures themselves are BENCHMARKS.md's,
never a test's). The crash bench has its own smoke test (tests/hostile/test_crash.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_ENV

ROOT = Path(__file__).resolve().parents[1]


def bench(name: str, *args: str) -> str:
    """Run ``bench/<name>`` with ``args``; its standard output (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_chat_bench_runs_closed_and_open_loops(tmp_path: Path) -> None:
    out = bench(
        "chat_path.py",
        "--url",
        f"sqlite:///{tmp_path / 'chat.db'}",
        "--messages",
        "20",
        "--clients",
        "5",
        "--rate",
        "200",
    )
    assert "  1 at once:" in out
    assert "  5 at once:" in out
    assert "200/s arriving:" in out
    assert "chit-chat, 1 at once:" in out
    assert "follow-up, 1 at once:" in out
    assert out.count("(20 replies)") == 2  # each closed loop delivered every reply


def test_the_report_and_page_benches_run_on_a_generated_province(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'province.db'}"
    made = bench("province.py", "--size", "smoke", "--url", url, "--last-month", "2026-11")
    assert "40 villages" in made
    out = bench("report.py", "--url", url, "--month", "2026-11", "--rounds", "1")
    assert "bare GROUP BY:" in out
    assert "ratio report / GROUP BY:" in out
    page = bench(
        "public_page.py",
        *("--url", url, "--villages", "40", "--counties", "2"),
        *("--requests", "60", "--clients", "4"),
    )
    assert "public page mix" in page
    assert page.count("errors 0") == 2  # vcbot serve answered every page and file


def test_the_import_bench_runs(tmp_path: Path) -> None:
    out = bench("import_logs.py", "--url", f"sqlite:///{tmp_path / 'import.db'}", "--rows", "300")
    assert "bare executemany" in out
    assert "ratio import / executemany:" in out


def test_the_memory_bench_runs() -> None:
    out = bench("groups_rss.py", "--groups", "5", "--rounds", "1")
    assert "5 groups" in out
    assert "peak RSS after serving them:" in out


@pytest.mark.parametrize("name", ["chat_path.py", "crash.py", "province.py"])
def test_a_bench_given_a_missing_database_says_so_in_one_line(
    name: str, postgres_url: str | None
) -> None:
    if postgres_url is None:
        pytest.skip(f"{PG_ENV} 未设置")
    missing = (
        make_url(postgres_url)
        .set(database="vcbot_no_such_database")
        .render_as_string(hide_password=False)
    )
    flag = "--db" if name == "crash.py" else "--url"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), flag, missing],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("错误："), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert 'database "vcbot_no_such_database" does not exist' in done.stderr
