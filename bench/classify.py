"""Benchmark of the question classifier (issue 3).

Prints, in one run: classification throughput beside bare ``jieba.lcut`` on the same
10,000 messages (built deterministically from the development set), both rates and their
ratio; then the start-up time to the first classification, cold (jieba's dictionary cache
absent) and warm (cache present), each measured in a fresh Python process.

Run: ``.venv/bin/python bench/classify.py``
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import jieba

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import Classifier  # noqa: E402

DEV_SET: Final = ROOT / "tests" / "data" / "questions_dev.jsonl"
MESSAGES: Final = 10_000
ROUNDS: Final = 3
FIRST: Final = "老班欠我工钱咋办"
# Run in a fresh interpreter: import, build, classify one message, report in-process time.
STARTUP_SCRIPT: Final = f"""
import time
start = time.perf_counter()
import sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from nlp import Classifier
result = Classifier(cache_dir=Path(sys.argv[1])).classify({FIRST!r})
print(time.perf_counter() - start, result.category)
"""


def messages(count: int = MESSAGES) -> list[str]:
    """``count`` messages: dev-set lines alone (one in three) or two joined by a comma."""
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    size = len(texts)
    return [
        texts[i % size] if i % 3 == 0 else f"{texts[i % size]}，{texts[(i * 7919 + 13) % size]}"
        for i in range(count)
    ]


def best_rate(work: Callable[[str], object], texts: Sequence[str]) -> float:
    """Messages per second of ``work`` over ``texts``: the best of a few rounds."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for text in texts:
            work(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def startup(cache_dir: Path) -> tuple[float, float, str]:
    """(wall seconds of the whole process, in-process seconds, category) for one cold process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_SCRIPT, str(cache_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    inner, category = done.stdout.split()
    return wall, float(inner), category


def throughput_report() -> list[str]:
    """Throughput lines: bare jieba.lcut vs classify on the same messages."""
    texts = messages()
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    classifier = Classifier()
    classifier.warm_up()
    chars = sum(map(len, texts)) / len(texts)
    bare = best_rate(jieba.lcut, texts)
    ours = best_rate(classifier.classify, texts)
    return [
        f"messages: {len(texts)} (from {DEV_SET.name}), mean length {chars:.1f} characters, "
        f"best of {ROUNDS} rounds",
        f"bare jieba.lcut (default, HMM on):  {bare:>9,.0f} msgs/s",
        f"Classifier.classify:                {ours:>9,.0f} msgs/s",
        f"ratio classify / jieba.lcut:        {ours / bare:>9.2f}",
    ]


def startup_report() -> list[str]:
    """Start-up lines: cold (empty cache folder) then warm (same folder, cache written)."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="vcbot-jieba-") as folder:
        for label in ("cold (no jieba cache)", "warm (jieba cache present)"):
            wall, inner, category = startup(Path(folder))
            lines.append(
                f"start-up to first classification, {label}: {inner:.3f} s in process, "
                f"{wall:.3f} s with interpreter start ({FIRST} -> {category})"
            )
    return lines


def main() -> None:
    """Print the figures."""
    print(f"python {platform.python_version()} on {platform.machine()}, jieba {jieba.__version__}")
    for line in [*throughput_report(), *startup_report()]:
        print(line)


if __name__ == "__main__":
    main()
