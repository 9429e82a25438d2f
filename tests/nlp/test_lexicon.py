"""Validation of the classifier's data files: a bad file is refused naming file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp import Classifier, LexiconError, default_data_dir, load_guidance
from nlp.lexicon import load_cues, load_lexicon, load_userdict


def _write(tmp_path: Path, name: str, text: str) -> Path:
    """A data file with the given content."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(load: object, path: Path) -> LexiconError:
    """The error raised when ``load(path)`` reads a bad file."""
    assert callable(load)
    with pytest.raises(LexiconError) as caught:
        load(path)
    return caught.value


GOOD_LINE = "labor\t工钱\t3\n"


def test_shipped_data_files_are_valid() -> None:
    folder = default_data_dir()
    assert load_lexicon(folder / "lexicon.tsv").entries
    assert load_cues(folder / "intents.tsv")
    assert load_userdict(folder / "userdict.txt")
    assert load_guidance()


def test_weight_that_is_not_a_number_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "# 注释\n" + GOOD_LINE + "debt\t借条\tabc\n")
    error = _refusal(load_lexicon, path)
    assert "lexicon.tsv:3" in str(error)
    assert "权重" in str(error)


def test_zero_weight_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "debt\t借条\t0\n")
    assert _refusal(load_lexicon, path).line == 1


def test_unknown_category_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", GOOD_LINE + "money\t借条\t2\n")
    error = _refusal(load_lexicon, path)
    assert (error.line, "money" in error.reason) == (2, True)


def test_wrong_column_count_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", GOOD_LINE + "debt\t借条\n")
    error = _refusal(load_lexicon, path)
    assert "lexicon.tsv:2" in str(error)
    assert "3 列" in error.reason


def test_duplicate_keyword_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", GOOD_LINE + GOOD_LINE)
    assert _refusal(load_lexicon, path).line == 2


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "@treshold\t0.5\n" + GOOD_LINE)
    assert "@treshold" in _refusal(load_lexicon, path).reason


def test_threshold_out_of_range_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "@threshold\t1.5\n" + GOOD_LINE)
    assert _refusal(load_lexicon, path).line == 1


def test_settings_are_read_from_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "@threshold\t0.5\n@negation\t不是 没有\n" + GOOD_LINE)
    lexicon = load_lexicon(path)
    assert (lexicon.threshold, lexicon.negations) == (0.5, ("不是", "没有"))


def test_unknown_intent_kind_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "intents.tsv", "urgent\t跳楼\nangry\t气死了\n")
    error = _refusal(load_cues, path)
    assert "intents.tsv:2" in str(error)


def test_userdict_frequency_must_be_a_positive_integer(tmp_path: Path) -> None:
    path = _write(tmp_path, "userdict.txt", "宅基地 20000 n\n外嫁女 很多 n\n")
    assert _refusal(load_userdict, path).line == 2


def test_guidance_without_a_category_is_refused(tmp_path: Path) -> None:
    text = (default_data_dir() / "guidance.toml").read_text(encoding="utf-8")
    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder, "guidance.toml", text.replace("[criminal]", "[criminal_x]"))
    with pytest.raises(LexiconError, match=r"guidance\.toml"):
        load_guidance(folder)


def test_guidance_without_channels_names_the_section_line(tmp_path: Path) -> None:
    text = (default_data_dir() / "guidance.toml").read_text(encoding="utf-8")
    broken = text.replace('channels = ["报警 110", "公安机关"]', "channels = []")
    folder = tmp_path / "data"
    folder.mkdir()
    path = _write(folder, "guidance.toml", broken)
    line = broken.splitlines().index("[criminal]") + 1
    with pytest.raises(LexiconError) as caught:
        load_guidance(folder)
    assert caught.value.path == path
    assert caught.value.line == line


def test_classifier_refuses_a_bad_data_folder_when_built(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(default_data_dir(), tmp_path / "data"))
    with (folder / "lexicon.tsv").open("a", encoding="utf-8") as handle:
        handle.write("labor\t加班\tlots\n")
    with pytest.raises(LexiconError, match=r"lexicon\.tsv"):
        Classifier(folder)


def test_question_weight_setting_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "lexicon.tsv", "@question_weight\t2\n" + GOOD_LINE)
    assert load_lexicon(path).question_weight == 2.0


@pytest.mark.parametrize("value", ["0.5", "11", "abc"])
def test_question_weight_out_of_range_is_refused(tmp_path: Path, value: str) -> None:
    path = _write(tmp_path, "lexicon.tsv", GOOD_LINE + f"@question_weight\t{value}\n")
    error = _refusal(load_lexicon, path)
    assert (error.line, "@question_weight" in error.reason) == (2, True)
