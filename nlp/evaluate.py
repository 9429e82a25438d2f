"""Scoring the classifier on a labelled JSONL file (``vcbot eval``): accuracy, macro-F1,
a per-category table, the most frequent confusions and the intent figures (issue 3)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from nlp.lexicon import LexiconError
from nlp.types import CATEGORIES, INTENTS, Classification

#: the intents reported by :func:`format_report`, with the figure that matters most for each
REPORTED_INTENTS: Final = ("urgent", "chitchat", "legal_aid", "complaint", "question")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled line of a data set."""

    text: str
    category: str
    intents: frozenset[str]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall, F1 and support (number of true cases) of one label."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Miss:
    """A line the classifier got wrong (category or intents)."""

    example: Example
    predicted: Classification


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Everything ``vcbot eval`` prints."""

    total: int
    accuracy: float
    macro_f1: float
    per_category: dict[str, Scores]
    confusions: tuple[tuple[str, str, int], ...]
    intents: dict[str, Scores]
    misses: tuple[Miss, ...]

    @property
    def urgent_recall(self) -> float:
        """Share of urgent lines flagged urgent."""
        return self.intents["urgent"].recall

    @property
    def chitchat_precision(self) -> float:
        """Share of lines flagged chit-chat that really are (the bot keeps quiet on those)."""
        return self.intents["chitchat"].precision


def _example(path: Path, number: int, line: str) -> Example:
    """Parse one JSONL line, naming the file and line when it is bad."""
    try:
        data = json.loads(line)
        text, category = data["text"], data["category"]
        intents = frozenset(data.get("intents", []))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LexiconError(path, number, f"不是有效的样例行（{exc}）") from exc
    if category not in CATEGORIES or not intents <= set(INTENTS):
        raise LexiconError(path, number, f"未知类别或意图：{category} {sorted(intents)}")
    return Example(str(text), category, intents, str(data.get("note", "")))


def load_examples(path: Path) -> list[Example]:
    """Read a labelled JSONL file: ``{"text", "category", "intents", "note"?}`` per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_example(path, n, line) for n, line in enumerate(lines, start=1) if line.strip()]


def _scores(pairs: Iterable[tuple[bool, bool]]) -> Scores:
    """Scores from (is truly positive, is predicted positive) pairs."""
    counts = Counter(pairs)
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    precision = tp / (tp + fp) if tp + fp else 1.0 if not fn else 0.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


def evaluate(examples: Sequence[Example], predicted: Sequence[Classification]) -> EvalReport:
    """Compare predictions with the labels, line by line."""
    gold = [e.category for e in examples]
    guess = [p.category for p in predicted]
    present: list[str] = [c for c in CATEGORIES if c in gold or c in guess]
    per_category = {
        c: _scores((g == c, p == c) for g, p in zip(gold, guess, strict=True)) for c in present
    }
    intents = {
        i: _scores(
            (i in e.intents, i in p.intents) for e, p in zip(examples, predicted, strict=True)
        )
        for i in REPORTED_INTENTS
    }
    confused = Counter((g, p) for g, p in zip(gold, guess, strict=True) if g != p)
    misses = tuple(
        Miss(e, p)
        for e, p in zip(examples, predicted, strict=True)
        if e.category != p.category or e.intents != set(p.intents)
    )
    total = len(examples)
    correct = sum(g == p for g, p in zip(gold, guess, strict=True))
    return EvalReport(
        total=total,
        accuracy=correct / total if total else 0.0,
        macro_f1=sum(s.f1 for s in per_category.values()) / len(per_category) if present else 0.0,
        per_category=per_category,
        confusions=tuple((g, p, n) for (g, p), n in confused.most_common()),
        intents=intents,
        misses=misses,
    )


def evaluate_file(
    path: Path, classify: Callable[[str], Classification] | None = None
) -> EvalReport:
    """Classify every line of a labelled JSONL file and score the result."""
    if classify is None:
        from nlp.classifier import classify as default_classify

        classify = default_classify
    examples = load_examples(path)
    return evaluate(examples, [classify(e.text) for e in examples])


def format_report(report: EvalReport, *, top_confusions: int = 10, show_misses: int = 0) -> str:
    """The report as plain text for a terminal."""
    lines = [
        f"样例 {report.total} 条   准确率 accuracy {report.accuracy:.3f}   "
        f"macro-F1 {report.macro_f1:.3f}",
        "",
        f"{'category':<15}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}",
    ]
    lines += [_row(code, s) for code, s in report.per_category.items()]
    lines += ["", "混淆最多的（真实 -> 预测：条数）："]
    lines += [f"  {g} -> {p}: {n}" for g, p, n in report.confusions[:top_confusions]] or ["  无"]
    lines += ["", f"{'intent':<15}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}"]
    lines += [_row(name, s) for name, s in report.intents.items()]
    lines += [
        "",
        f"urgent recall {report.urgent_recall:.3f}   "
        f"chitchat precision {report.chitchat_precision:.3f}",
    ]
    if show_misses:
        lines += ["", "错的样例："] + [_miss(m) for m in report.misses[:show_misses]]
    return "\n".join(lines)


def _row(name: str, scores: Scores) -> str:
    """One table row."""
    return (
        f"{name:<15}{scores.precision:>10.3f}{scores.recall:>8.3f}"
        f"{scores.f1:>7.3f}{scores.support:>9d}"
    )


def _miss(miss: Miss) -> str:
    """One wrong line: the text, the label and what was predicted."""
    got = miss.predicted
    return (
        f"  {miss.example.text} | 应为 {miss.example.category} {sorted(miss.example.intents)}"
        f" | 得到 {got.category} {sorted(got.intents)} {list(got.keywords)}"
    )
