"""The question classifier: jieba tokens scored against a weighted lexicon, plus intent cues."""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from nlp.lexicon import (
    ASK_END,
    INTENTS_FILE,
    LEXICON_FILE,
    USERDICT_FILE,
    Cue,
    Entry,
    Lexicon,
    load_cues,
    load_lexicon,
    load_userdict,
)
from nlp.segment import Segmenter, SubstringScanner
from nlp.types import CATEGORIES, Classification, Crisis, Intent

#: intents that always make a message worth answering
ACTION_INTENTS: Final[frozenset[Intent]] = frozenset({"urgent", "legal_aid", "complaint"})
#: token → matched terms cache is dropped when it grows past this many tokens
EXPANSION_CACHE_SIZE: Final = 100_000
_Item = TypeVar("_Item", Entry, Cue)
EMPTY: Final = Classification("other", 1.0, (), frozenset({"chitchat"}))
#: characters that end a sentence; a sentence ending in a question mark is the one that asks
_SENTENCE_END: Final = frozenset("。！？!?；;\n")
_QUESTION_MARKS: Final = frozenset("？?")


def default_data_dir() -> Path:
    """The data folder shipped in the ``config`` package (located without importing it)."""
    spec = importlib.util.find_spec("config")
    if spec is None or spec.origin is None:
        raise RuntimeError("找不到 config 包的数据目录")
    return Path(spec.origin).parent / "data"


@dataclass(frozen=True, slots=True)
class _Hit:
    """One lexicon entry found in a message."""

    term: str
    category: str
    weight: float


class Classifier:
    """Classifies villager messages; built once from a data folder and reused.

    The data files are read and validated when it is built (a bad file raises
    :class:`nlp.lexicon.LexiconError`); jieba's dictionary is loaded on first use.
    """

    def __init__(self, data_dir: Path | None = None, *, cache_dir: Path | None = None) -> None:
        data = data_dir if data_dir is not None else default_data_dir()
        self.lexicon: Lexicon = load_lexicon(data / LEXICON_FILE)
        self.cues: tuple[Cue, ...] = load_cues(data / INTENTS_FILE)
        single = [e for e in self.lexicon.entries if not e.is_pattern]
        self._by_term = _group(single)
        self._hits = {
            term: tuple(_Hit(e.term, e.category, e.weight) for e in entries)
            for term, entries in self._by_term.items()
        }
        self._max_term = max((len(e.term) for e in single), default=1)
        patterns = [e for e in self.lexicon.entries if e.is_pattern]
        self._patterns_by_first = _by_first_part(patterns)
        anywhere = [c for c in self.cues if c.kind != ASK_END]
        self._cues_by_first = _by_first_part(anywhere)
        ends = [c for c in self.cues if c.kind == ASK_END]
        self._ends_by_last = _by_last_part(ends)
        self._ask_end = _clause_end_pattern(c.parts[-1] for c in ends)
        parts = [
            *(p for e in patterns for p in e.parts),
            *(p for c in anywhere for p in c.parts),
            *(p for c in ends for p in c.parts[:-1]),
        ]
        self._scanner = SubstringScanner(parts)
        words = [*load_userdict(data / USERDICT_FILE), *((e.term, None) for e in single)]
        self._segmenter = Segmenter(words, cache_dir)
        self._expansions: dict[str, tuple[str, ...]] = {}

    def warm_up(self) -> None:
        """Load the segmentation dictionary now (otherwise done by the first classify)."""
        self._segmenter.warm_up()

    def tokens(self, text: str) -> list[str]:
        """The words jieba splits ``text`` into, with the legal dictionary loaded."""
        return self._segmenter.cut(text)

    def classify(self, text: str) -> Classification:
        """Classify one message: category, confidence, matched keywords and intents."""
        text = text.strip()
        if not any(char.isalnum() for char in text):
            return EMPTY
        found = self._scanner.find(text)
        tokens = self._segmenter.cut(text)
        factor = self.lexicon.question_weight
        spans = _question_spans(text) if factor != 1 and _QUESTION_MARKS & set(text) else ()
        words = self._weighted_hits(tokens, spans, factor) if spans else self._keyword_hits(tokens)
        hits = [*words, *self._pattern_hits(found)]
        scores = _scores(hits)
        kinds = {cue.kind for cue in _complete(self._cues_by_first, found)}
        if "self_harm" in kinds:
            kinds.add("urgent")  # a danger to life is urgent in every way (G3)
        if self._ask_end is not None and "ask" not in kinds and self._ends_asking(text, found):
            kinds.add(ASK_END)
        top = max(scores.values(), default=0.0)
        question = self._is_question(top, kinds)
        category, confidence = self._category(scores) if question else ("other", 0.0)
        if category == "other":
            confidence = _other_confidence(scores, self.lexicon.strong)
        intents: set[Intent] = {"question" if question else "chitchat"}
        intents.update(k for k in ACTION_INTENTS if k in kinds)
        return Classification(
            category,
            round(confidence, 3),
            _keywords(hits),
            frozenset(intents),
            _crisis(kinds),
        )

    def _keyword_hits(self, tokens: Sequence[str]) -> list[_Hit]:
        """Lexicon words among the tokens, skipping negated ones (``不是借钱的事``)."""
        hits: list[_Hit] = []
        seen: set[str] = set()
        cache = self._expansions
        for index, token in enumerate(tokens):
            terms = cache.get(token)
            for term in self._terms_of(token) if terms is None else terms:
                if term not in seen and not self._negated(tokens, index):
                    seen.add(term)
                    hits.extend(self._hits[term])
        return hits

    def _weighted_hits(
        self, tokens: Sequence[str], spans: Sequence[tuple[int, int]], factor: float
    ) -> list[_Hit]:
        """Like :meth:`_keyword_hits`, but a word said in an asking sentence (``spans``) counts
        ``factor`` times: in "background, then question" messages the question decides."""
        boost: dict[str, float] = {}
        end = 0
        for index, token in enumerate(tokens):
            start, end = end, end + len(token)
            asking = any(first <= start < last for first, last in spans)
            for term in self._terms_of(token):
                if not self._negated(tokens, index):
                    boost[term] = max(boost.get(term, 1.0), factor if asking else 1.0)
        return [
            _Hit(hit.term, hit.category, hit.weight * boost[term] if hit.weight > 0 else hit.weight)
            for term in boost
            for hit in self._hits[term]
        ]

    def _pattern_hits(self, found: set[str]) -> Iterable[_Hit]:
        """Co-occurrence entries (``A+B``) whose parts all occur in the message."""
        for entry in _complete(self._patterns_by_first, found):
            yield _Hit(entry.term, entry.category, entry.weight)

    def _terms_of(self, token: str) -> tuple[str, ...]:
        """Lexicon terms a token stands for: itself, or the longest known words inside it."""
        terms = self._expansions.get(token)
        if terms is None:
            terms = (token,) if token in self._by_term else self._inner_terms(token)
            if len(self._expansions) >= EXPANSION_CACHE_SIZE:
                self._expansions.clear()
            self._expansions[token] = terms
        return terms

    def _inner_terms(self, token: str) -> tuple[str, ...]:
        """Longest-first, non-overlapping lexicon words of two or more characters in a token."""
        found: list[str] = []
        start = 0
        while start < len(token) - 1:
            piece = self._longest_at(token, start)
            if piece:
                found.append(piece)
            start += len(piece) or 1
        return tuple(found)

    def _longest_at(self, token: str, start: int) -> str:
        """The longest lexicon word (two characters or more) starting at ``start``, or ``""``."""
        for end in range(min(len(token), start + self._max_term), start + 1, -1):
            if token[start:end] in self._by_term:
                return token[start:end]
        return ""

    def _negated(self, tokens: Sequence[str], index: int) -> bool:
        """True when a negation word precedes the token within the window, in the same clause."""
        lexicon = self.lexicon
        for before in reversed(tokens[max(0, index - lexicon.negation_window) : index]):
            if before in lexicon.negations:
                return True
            if not before[0].isalnum():
                return False
        return False

    def _ends_asking(self, text: str, found: set[str]) -> bool:
        """Whether a clause ends in a question particle (``算工伤不``, ``告他咧``) whose other
        cue parts (``能+不``: a modal verb) occur in the message."""
        assert self._ask_end is not None
        for match in self._ask_end.finditer(text):
            for cue in self._ends_by_last.get(match.group(), ()):
                if all(part in found for part in cue.parts[:-1]):
                    return True
        return False

    def _is_question(self, top: float, kinds: set[str]) -> bool:
        """Whether the message asks for an answer (docs/rules.md, issue 3: no group spam).

        A question particle at the end of a clause (``ask_end``) is a weaker sign than an
        ``ask`` cue: it does not outweigh a greeting or thanks (``红包抢了没``)."""
        if kinds & ACTION_INTENTS:
            return True
        asks = "ask" in kinds
        if "chitchat" in kinds and not asks:
            return top >= 2 * self.lexicon.strong
        if top >= self.lexicon.strong or "dispute" in kinds:
            return True
        return (asks or ASK_END in kinds) and (top > 0 or "service" in kinds)

    def _category(self, scores: dict[str, float]) -> tuple[str, float]:
        """The best category and its confidence, or ``other`` below the threshold."""
        positive = {c: s for c, s in scores.items() if s > 0}
        if not positive:
            return "other", 0.0
        ranked = sorted(positive, key=lambda c: (-positive[c], CATEGORIES.index(c)))
        best, second = positive[ranked[0]], positive[ranked[1]] if len(ranked) > 1 else 0.0
        share = best / (best + second)
        confidence = share * (1 - math.exp(-best / self.lexicon.strong))
        if confidence < self.lexicon.threshold:
            return "other", confidence
        return ranked[0], confidence


def _clause_end_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``terms`` at the end of a clause (before a space, a punctuation
    mark or the end of the text), e.g. the dialect question particles in ``算工伤不``; None
    when there are no such cues."""
    unique = set(terms)
    if not unique:
        return None
    longer = sorted((re.escape(t) for t in unique if len(t) > 1), key=lambda t: (-len(t), t))
    single = "".join(sorted(re.escape(t) for t in unique if len(t) == 1))
    alternatives = [*longer, *([f"[{single}]"] if single else [])]
    return re.compile(f"(?:{'|'.join(alternatives)})(?=[^\\w]|$)")


def _question_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Character spans of the sentences ending in a question mark, when the message also has
    a sentence that does not (background first, question last); otherwise none."""
    spans: list[tuple[int, int]] = []
    background = False
    start = 0
    for index, char in enumerate(text):
        if char in _SENTENCE_END:
            if any(c.isalnum() for c in text[start:index]):
                if char in _QUESTION_MARKS:
                    spans.append((start, index + 1))
                else:
                    background = True
            start = index + 1
    background = background or any(c.isalnum() for c in text[start:])
    return tuple(spans) if background else ()


def _group(entries: Iterable[Entry]) -> dict[str, tuple[Entry, ...]]:
    """Entries keyed by their term."""
    grouped: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.term].append(entry)
    return {term: tuple(items) for term, items in grouped.items()}


def _by_first_part(items: Iterable[_Item]) -> dict[str, tuple[_Item, ...]]:
    """Entries or cues keyed by their first part, so a scan result finds them directly."""
    grouped: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        grouped[item.parts[0]].append(item)
    return {part: tuple(group) for part, group in grouped.items()}


def _by_last_part(cues: Iterable[Cue]) -> dict[str, tuple[Cue, ...]]:
    """Clause-end cues keyed by their last part (the particle that ends the clause)."""
    grouped: dict[str, list[Cue]] = defaultdict(list)
    for cue in cues:
        grouped[cue.parts[-1]].append(cue)
    return {part: tuple(group) for part, group in grouped.items()}


def _complete(index: dict[str, tuple[_Item, ...]], found: set[str]) -> Iterable[_Item]:
    """The indexed items all of whose parts were found."""
    for part in found:
        for item in index.get(part, ()):
            if all(p in found for p in item.parts):
                yield item


def _scores(hits: Iterable[_Hit]) -> dict[str, float]:
    """Summed weights per category."""
    scores: dict[str, float] = defaultdict(float)
    for hit in hits:
        scores[hit.category] += hit.weight
    return dict(scores)


def _other_confidence(scores: dict[str, float], strong: float) -> float:
    """How sure we are that no category applies: high when no keyword scored."""
    top = max((s for s in scores.values() if s > 0), default=0.0)
    return math.exp(-top / strong)


def _keywords(hits: Iterable[_Hit]) -> tuple[str, ...]:
    """Matched terms, strongest first, each once."""
    best: dict[str, float] = {}
    for hit in hits:
        if hit.weight > 0:
            best[hit.term] = max(best.get(hit.term, 0.0), hit.weight)
    return tuple(sorted(best, key=lambda term: (-best[term], term)))


@functools.cache
def default_classifier() -> Classifier:
    """The shared classifier built from the shipped data files (built on first call)."""
    return Classifier()


def classify(text: str) -> Classification:
    """Classify one villager message with the shared default classifier."""
    return default_classifier().classify(text)


def _crisis(kinds: set[str]) -> Crisis | None:
    """Which risk the cues show, the most serious first."""
    if "self_harm" in kinds:
        return "self_harm"
    if "urgent" in kinds:
        return "group"
    return "fraud" if "fraud" in kinds else None


def classification_to_json(result: Classification) -> dict[str, Any]:
    """The JSON object ``vcbot classify`` prints for one message."""
    return {
        "category": result.category,
        "confidence": result.confidence,
        "intents": sorted(result.intents),
        "keywords": list(result.keywords),
    }
