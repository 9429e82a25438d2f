"""Loading and validating the classifier's data files (issue 3).

Every file is plain text a bureau can edit: one entry per line, ``#`` starts a comment.
A bad line raises :class:`LexiconError` naming the file, the line and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from nlp.types import CATEGORIES

LEXICON_FILE: Final = "lexicon.tsv"
INTENTS_FILE: Final = "intents.tsv"
USERDICT_FILE: Final = "userdict.txt"

#: intent cue kinds in intents.tsv: the three reported intents, five helpers, and the two
#: kinds of crisis that change the reply (self-harm is also urgent)
CUE_KINDS: Final = (
    "urgent",
    "self_harm",
    "fraud",
    "legal_aid",
    "complaint",
    "ask",
    "ask_end",
    "dispute",
    "service",
    "chitchat",
)
#: the cue kind matched only at the end of a clause (a question particle: 不, 咧, 伐 ...)
ASK_END: Final = "ask_end"
MAX_WEIGHT: Final = 10.0


class LexiconError(ValueError):
    """A data file is malformed; the message names the file, the line and the reason."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Entry:
    """One weighted keyword of a category; ``A+B`` terms need every part in the message."""

    term: str
    category: str
    weight: float
    parts: tuple[str, ...]

    @property
    def is_pattern(self) -> bool:
        """True for a co-occurrence term such as ``狗+叫``."""
        return len(self.parts) > 1


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The category keywords and the scoring settings from lexicon.tsv."""

    entries: tuple[Entry, ...]
    threshold: float = 0.35
    strong: float = 2.0
    negations: tuple[str, ...] = ("不是", "并非", "不属于", "不算", "不涉及")
    negation_window: int = 3
    #: multiplier for keywords in the sentence that asks (ends with ？) of a longer message
    question_weight: float = 1.0


@dataclass(slots=True)
class _Settings:
    """The ``@name`` settings of lexicon.tsv while it is being read."""

    threshold: float = 0.35
    strong: float = 2.0
    negations: tuple[str, ...] = ("不是", "并非", "不属于", "不算", "不涉及")
    negation_window: int = 3
    question_weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Cue:
    """One intent cue from intents.tsv, matched as a substring (``A+B``: all parts)."""

    kind: str
    term: str
    parts: tuple[str, ...]


def _content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, text without comment) for each non-blank line of ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(path, None, f"无法读取文件（{exc}）") from exc
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if content:
            yield number, content


def _columns(path: Path, number: int, content: str, count: int) -> list[str]:
    """Split a tab-separated line and require exactly ``count`` non-empty columns."""
    cols = [c.strip() for c in content.split("\t")]
    if len(cols) != count or not all(cols):
        raise LexiconError(path, number, f"应有 {count} 列（用 Tab 分隔），实际 {len(cols)} 列")
    return cols


def _parts(path: Path, number: int, term: str) -> tuple[str, ...]:
    """Split an ``A+B`` term into its parts, refusing empty parts."""
    parts = tuple(p.strip() for p in term.split("+"))
    if not all(parts) or " " in term:
        raise LexiconError(path, number, f"关键词“{term}”不合法（不能含空格或空的 + 部分）")
    return parts


def _number(path: Path, number: int, value: str, what: str) -> float:
    """Parse a finite number or raise naming ``what``."""
    try:
        result = float(value)
    except ValueError:
        raise LexiconError(path, number, f"{what}“{value}”不是数字") from None
    if not math.isfinite(result):
        raise LexiconError(path, number, f"{what}“{value}”不是有限的数字")
    return result


def _weight(path: Path, number: int, value: str) -> float:
    """Parse a keyword weight: a non-zero number between -10 and 10."""
    weight = _number(path, number, value, "权重")
    if weight == 0 or abs(weight) > MAX_WEIGHT:
        raise LexiconError(path, number, f"权重“{value}”应在 -10 到 10 之间且不为 0")
    return weight


def _entry(path: Path, number: int, content: str) -> Entry:
    """Parse one ``category<TAB>keyword<TAB>weight`` line."""
    category, term, weight = _columns(path, number, content, 3)
    if category not in CATEGORIES or category == "other":
        raise LexiconError(
            path, number, f"未知类别“{category}”（可用：{', '.join(CATEGORIES[:-1])}）"
        )
    return Entry(term, category, _weight(path, number, weight), _parts(path, number, term))


def _setting(settings: _Settings, path: Path, number: int, content: str) -> None:
    """Apply one ``@name<TAB>value`` setting line."""
    name, value = _columns(path, number, content, 2)
    if name in ("@threshold", "@strong"):
        bound = _number(path, number, value, name)
        if not 0 < bound <= (1 if name == "@threshold" else MAX_WEIGHT):
            raise LexiconError(path, number, f"{name} 的值“{value}”超出范围")
        setattr(settings, name[1:], bound)
    elif name == "@question_weight":
        factor = _number(path, number, value, name)
        if not 1 <= factor <= MAX_WEIGHT:
            raise LexiconError(path, number, f"{name} 的值“{value}”应在 1 到 10 之间")
        settings.question_weight = factor
    elif name == "@negation":
        settings.negations = tuple(value.split())
    elif name == "@negation_window":
        if not value.isdigit() or not 0 < int(value) <= 10:
            raise LexiconError(path, number, f"@negation_window 应是 1 到 10 的整数，得到“{value}”")
        settings.negation_window = int(value)
    else:
        raise LexiconError(path, number, f"未知设置“{name}”")


def load_lexicon(path: Path) -> Lexicon:
    """Read and validate lexicon.tsv."""
    entries: list[Entry] = []
    settings = _Settings()
    seen: dict[tuple[str, str], int] = {}
    for number, content in _content_lines(path):
        if content.startswith("@"):
            _setting(settings, path, number, content)
            continue
        entry = _entry(path, number, content)
        key = (entry.category, entry.term)
        if key in seen:
            raise LexiconError(path, number, f"“{entry.term}”在第 {seen[key]} 行已列过")
        seen[key] = number
        entries.append(entry)
    if not entries:
        raise LexiconError(path, None, "没有任何关键词")
    return Lexicon(
        tuple(entries),
        settings.threshold,
        settings.strong,
        settings.negations,
        settings.negation_window,
        settings.question_weight,
    )


def load_cues(path: Path) -> tuple[Cue, ...]:
    """Read and validate intents.tsv: ``kind<TAB>cue`` per line."""
    cues: list[Cue] = []
    for number, content in _content_lines(path):
        kind, term = _columns(path, number, content, 2)
        if kind not in CUE_KINDS:
            raise LexiconError(path, number, f"未知意图“{kind}”（可用：{', '.join(CUE_KINDS)}）")
        cues.append(Cue(kind, term, _parts(path, number, term)))
    return tuple(cues)


def load_userdict(path: Path) -> tuple[tuple[str, int | None], ...]:
    """Read userdict.txt: ``word [frequency] [tag]`` per line (jieba's format plus comments)."""
    words: list[tuple[str, int | None]] = []
    for number, content in _content_lines(path):
        fields = content.split()
        if len(fields) > 3:
            raise LexiconError(path, number, "每行最多 3 项：词 [词频] [词性]")
        freq: int | None = None
        if len(fields) > 1:
            if not fields[1].isdigit() or int(fields[1]) <= 0:
                raise LexiconError(path, number, f"词频“{fields[1]}”应是正整数")
            freq = int(fields[1])
        words.append((fields[0], freq))
    return tuple(words)
