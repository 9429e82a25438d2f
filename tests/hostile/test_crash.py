"""The crash test at a smoke size (the full run is bench/crash.py; BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "crash.py"
SMOKE = ("--questions", "40", "--kills", "3", "--min-gap", "0.4", "--max-gap", "1.0")


def test_kills_leave_no_duplicate_and_no_loss(db_url: str) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--db", db_url, *SMOKE],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "replies delivered twice or more:       0" in run.stdout
    assert "questions lost (no reply, no report):  0" in run.stdout
    assert "3 kill -9" in run.stdout
