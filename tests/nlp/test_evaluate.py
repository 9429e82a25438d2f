"""The evaluation (``vcbot eval``) and the targets on the held-out part of the data set."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from nlp import CATEGORIES, INTENTS, Classification, LexiconError
from nlp.evaluate import EvalReport, Example, evaluate, evaluate_file, format_report, load_examples

DATA = Path(__file__).resolve().parents[1] / "data"
DEV = DATA / "questions_dev.jsonl"
HOLDOUT = DATA / "questions_holdout.jsonl"
#: public-style consultation questions (longer, formal): a tuning part and a held-out part
PUBLIC = DATA / "questions_public.jsonl"
PUBLIC_HOLDOUT = DATA / "questions_public_holdout.jsonl"


def _example(category: str, *intents: str) -> Example:
    """A labelled line whose text does not matter."""
    return Example("x", category, frozenset(intents or ("question",)))


def _guess(category: str, *intents: str) -> Classification:
    """A prediction."""
    return Classification(category, 1.0, (), frozenset(intents or ("question",)))  # type: ignore[arg-type]


@functools.cache
def _holdout() -> EvalReport:
    """The report on the held-out part, computed once."""
    return evaluate_file(HOLDOUT)


@functools.cache
def _public_holdout() -> EvalReport:
    """The report on the held-out public-style questions, computed once."""
    return evaluate_file(PUBLIC_HOLDOUT)


def test_perfect_predictions_score_one() -> None:
    report = evaluate([_example("labor"), _example("debt")], [_guess("labor"), _guess("debt")])
    assert (report.accuracy, report.macro_f1) == (1.0, 1.0)


def test_precision_and_recall_per_category() -> None:
    examples = [_example("labor"), _example("labor"), _example("debt")]
    report = evaluate(examples, [_guess("labor"), _guess("debt"), _guess("debt")])
    assert report.per_category["labor"].recall == 0.5
    assert report.per_category["debt"].precision == 0.5


def test_confusions_are_counted_true_then_predicted() -> None:
    examples = [_example("labor"), _example("labor"), _example("debt")]
    report = evaluate(examples, [_guess("debt"), _guess("debt"), _guess("debt")])
    assert report.confusions == (("labor", "debt", 2),)


def test_urgent_recall_and_chitchat_precision() -> None:
    examples = [_example("other", "question", "urgent"), _example("other", "question")]
    predicted = [_guess("other", "question"), _guess("other", "chitchat")]
    report = evaluate(examples, predicted)
    assert (report.urgent_recall, report.chitchat_precision) == (0.0, 0.0)


def test_report_text_has_the_table_and_confusions() -> None:
    report = evaluate([_example("labor")], [_guess("debt")])
    text = format_report(report)
    assert "macro-F1" in text
    assert "labor -> debt: 1" in text
    assert "urgent recall" in text


def test_bad_example_line_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"text": "a", "category": "labor", "intents": ["question"]}\n{oops\n', "utf-8")
    with pytest.raises(LexiconError) as caught:
        load_examples(path)
    assert caught.value.line == 2


def test_data_set_has_at_least_600_lines_and_a_quarter_held_out() -> None:
    # 457 + 200 at first (70/30); the chit-chat vs question pass added 141 development
    # lines (598 + 200, 75/25). The held-out part was left as it was.
    dev, holdout = len(load_examples(DEV)), len(load_examples(HOLDOUT))
    assert dev + holdout >= 600
    assert 0.2 <= holdout / (dev + holdout) <= 0.35


@pytest.mark.parametrize("path", [DEV, HOLDOUT], ids=["dev", "holdout"])
def test_data_set_covers_every_category_and_intent(path: Path) -> None:
    examples = load_examples(path)
    assert {e.category for e in examples} == set(CATEGORIES)
    assert set().union(*(e.intents for e in examples)) == set(INTENTS)


def test_every_line_has_exactly_one_of_question_and_chitchat() -> None:
    lines = [*DEV.read_text("utf-8").splitlines(), *HOLDOUT.read_text("utf-8").splitlines()]
    assert all(len({"question", "chitchat"} & set(json.loads(x)["intents"])) == 1 for x in lines)


def test_holdout_accuracy_meets_target() -> None:
    assert _holdout().accuracy >= 0.90


def test_holdout_macro_f1_meets_target() -> None:
    assert _holdout().macro_f1 >= 0.85


def test_holdout_urgent_recall_is_complete() -> None:
    assert _holdout().urgent_recall == 1.0


def test_holdout_chitchat_precision_meets_target() -> None:
    """The bot must not stay silent on real questions (target 0.95).

    It was 0.929 and marked xfail; the chit-chat vs question pass (clause-end question
    particles, requests, harms suffered, notices and thanks, tuned only on 141 new
    development lines) measured 0.963 on the held-out part, evaluated once afterwards.
    """
    assert _holdout().chitchat_precision >= 0.95


def test_public_sets_have_300_lines_split_about_two_to_one() -> None:
    tuning, held = len(load_examples(PUBLIC)), len(load_examples(PUBLIC_HOLDOUT))
    assert tuning + held >= 300
    assert 0.3 <= held / (tuning + held) <= 0.4


@pytest.mark.parametrize("path", [PUBLIC, PUBLIC_HOLDOUT], ids=["public", "public_holdout"])
def test_public_set_covers_every_category(path: Path) -> None:
    assert {e.category for e in load_examples(path)} == set(CATEGORIES)


def test_public_holdout_accuracy_floor() -> None:
    # measured 0.942 (98 of 104) when the floor was set; never tuned on this file
    assert _public_holdout().accuracy >= 0.92


def test_public_holdout_macro_f1_floor() -> None:
    # measured 0.936 when the floor was set
    assert _public_holdout().macro_f1 >= 0.91


def test_public_holdout_chitchat_precision_meets_target() -> None:
    # the public held-out part has no urgent line, so only chit-chat precision is checked here
    assert _public_holdout().chitchat_precision >= 0.95
