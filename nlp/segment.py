"""Word segmentation with jieba, initialised lazily and once, and a cheap substring scanner."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import jieba

#: frequency given to a lexicon word jieba does not know, so that it stays one token
NEW_WORD_FREQ: Final = 2000
# jieba's own block and character classes (jieba/__init__.py), so the output is identical
_HAN_BLOCK: Final = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP: Final = re.compile("(\r\n|\\s)")
_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class Segmenter:
    """A private jieba tokenizer with the legal user dictionary and the lexicon's words added.

    The dictionary (about half a second from jieba's cache) is loaded on the first
    :meth:`cut`, or by :meth:`warm_up`; ``cache_dir`` overrides where jieba keeps its cache.
    """

    def __init__(self, words: Iterable[tuple[str, int | None]], cache_dir: Path | None = None):
        self._words = tuple(words)
        self._cache_dir = cache_dir
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        self._freq: dict[str, int] = {}
        self._logtotal = 0.0
        self._logp_cache: dict[str, float] = {}

    def warm_up(self) -> None:
        """Load jieba's dictionary now instead of on the first message."""
        self._ready()

    def cut(self, text: str) -> list[str]:
        """Split ``text`` into words exactly as ``jieba.lcut(text, HMM=False)`` would.

        Same dictionary, same maximum-probability route; the dictionary walk and the route
        search are fused into one pass, which is about twice as fast as jieba's own code.
        """
        self._ready()
        words: list[str] = []
        for block in _HAN_BLOCK.split(text):
            if not block:
                continue
            if _HAN_BLOCK.fullmatch(block):
                words.extend(self._cut_block(block))
            else:
                words.extend(_other_block(block))
        return words

    def jieba_cut(self, text: str) -> list[str]:
        """jieba's own ``lcut(text, HMM=False)`` on the same dictionary (for checking)."""
        return self._ready().lcut(text, HMM=False)  # type: ignore[no-any-return]

    def _cut_block(self, block: str) -> list[str]:
        """Best route through one run of Chinese/latin characters (jieba's DAG + calc)."""
        freq, cache, size = self._freq, self._logp_cache, len(block)
        score = [0.0] * (size + 1)
        end = list(range(size + 1))
        for start in range(size - 1, -1, -1):
            best, stop, frag = -math.inf, start, block[start]
            while frag in freq:
                if freq[frag]:
                    logp = cache.get(frag)
                    candidate = (self._logp(frag) if logp is None else logp) + score[stop + 1]
                    if candidate >= best:
                        best, end[start] = candidate, stop
                stop += 1
                if stop == size:
                    break
                frag = block[start : stop + 1]
            score[start] = best if best > -math.inf else self._logp(block[start]) + score[start + 1]
        return _walk(block, end)

    def _logp(self, word: str) -> float:
        """log(frequency / total) of a word, 1 for unknown ones; memoised."""
        value = self._logp_cache.get(word)
        if value is None:
            value = math.log(self._freq.get(word) or 1) - self._logtotal
            self._logp_cache[word] = value
        return value

    def _ready(self) -> jieba.Tokenizer:
        """The initialised tokenizer, built under a lock the first time."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    tokenizer = self._build()
                    self._freq, self._logtotal = tokenizer.FREQ, math.log(tokenizer.total)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def _build(self) -> jieba.Tokenizer:
        """Initialise jieba quietly and add the extra words."""
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        if self._cache_dir is not None:
            tokenizer.tmp_dir = str(self._cache_dir)
        tokenizer.initialize()
        for word, freq in self._words:
            known = tokenizer.FREQ.get(word, 0)
            tokenizer.add_word(word, freq or max(known, NEW_WORD_FREQ))
        return tokenizer


def _walk(block: str, end: list[int]) -> list[str]:
    """Follow the route; like jieba, runs of single latin letters or digits form one word."""
    words: list[str] = []
    start, pending = 0, ""
    while start < len(block):
        stop = end[start] + 1
        word = block[start:stop]
        if len(word) == 1 and word in _ALNUM:
            pending += word
        else:
            if pending:
                words.append(pending)
                pending = ""
            words.append(word)
        start = stop
    if pending:
        words.append(pending)
    return words


def _other_block(block: str) -> list[str]:
    """Punctuation, spaces and symbols: whitespace runs kept whole, the rest char by char."""
    words: list[str] = []
    for piece in _SKIP.split(block):
        if _SKIP.fullmatch(piece):
            words.append(piece)
        else:
            words.extend(piece)
    return words


class SubstringScanner:
    """Finds which of a fixed set of short strings occur in a text (a dictionary scan)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = frozenset(t for t in terms if t)
        lengths: dict[str, set[int]] = {}
        for term in self._terms:
            lengths.setdefault(term[0], set()).add(len(term))
        #: for each first character, the lengths of the terms that start with it
        self._lengths = {first: tuple(sorted(sizes)) for first, sizes in lengths.items()}

    def find(self, text: str) -> set[str]:
        """Every term that occurs in ``text``, overlapping ones included."""
        found: set[str] = set()
        terms, by_first = self._terms, self._lengths
        for start, char in enumerate(text):
            lengths = by_first.get(char)
            if lengths is None:
                continue
            for length in lengths:
                # a piece cut short by the end of the text is still a real substring
                piece = text[start : start + length]
                if piece in terms:
                    found.add(piece)
        return found
