"""The segmentation dictionary sharded by first character (issue 12): a new process reads
an index and the shards its texts need, never jieba's whole dictionary, and cuts exactly
as jieba does."""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest

from nlp.segment import Segmenter

WORDS = [("宅基地", 20000), ("老班", None)]


def texts() -> list[str]:
    lines = (Path(__file__).resolve().parents[1] / "data" / "questions_dev.jsonl").read_text(
        "utf-8"
    )
    return [json.loads(line)["text"] for line in lines.splitlines()][:120]


def no_jieba(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("jieba's whole dictionary was loaded")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", refuse)


def test_a_second_process_cuts_from_the_shards_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Segmenter(WORDS, tmp_path)
    expected = [first.jieba_cut(t) for t in texts()]
    assert [first.cut(t) for t in texts()] == expected
    [cached] = tmp_path.glob("vcbot-freq-*.bin")
    no_jieba(monkeypatch)
    second = Segmenter(WORDS, tmp_path)  # as a new process would
    assert [second.cut(t) for t in texts()] == expected
    assert list(tmp_path.glob("vcbot-freq-*.bin")) == [cached]


def test_other_words_make_another_file(tmp_path: Path) -> None:
    Segmenter(WORDS, tmp_path).warm_up()
    Segmenter([*WORDS, ("调解书", None)], tmp_path).warm_up()
    assert len(list(tmp_path.glob("vcbot-freq-*.bin"))) == 2


def test_a_damaged_file_is_built_anew(tmp_path: Path) -> None:
    reference = Segmenter(WORDS, tmp_path)
    expected = [reference.jieba_cut(t) for t in texts()]
    reference.warm_up()
    [cached] = tmp_path.glob("vcbot-freq-*.bin")
    cached.write_bytes(cached.read_bytes()[:-1000])  # cut short
    assert [Segmenter(WORDS, tmp_path).cut(t) for t in texts()] == expected
    assert [Segmenter(WORDS, tmp_path).cut(t) for t in texts()] == expected  # rewritten


def test_a_folder_it_cannot_write_costs_time_not_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    segmenter = Segmenter(WORDS, blocked)
    text = "隔壁把我家宅基地占了一半，该找谁"
    assert segmenter.cut(text) == segmenter.jieba_cut(text)
    assert "segmentation dictionary not cached" in caplog.text
