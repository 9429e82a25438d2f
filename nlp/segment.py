"""Word segmentation with jieba, initialised lazily and once, and a cheap substring scanner."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import marshal
import math
import os
import re
import struct
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # imported when first needed: importing jieba costs 0.15 s (its HMM tables)
    import jieba

log = logging.getLogger(__name__)
#: the sharded dictionary file's layout (a new one makes new files)
FORMAT: Final = 1
#: frequency given to a lexicon word jieba does not know, so that it stays one token
NEW_WORD_FREQ: Final = 2000
# jieba's own block and character classes (jieba/__init__.py), so the output is identical
_HAN_BLOCK: Final = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP: Final = re.compile("(\r\n|\\s)")
_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class Segmenter:
    """A private jieba tokenizer with the legal user dictionary and the lexicon's words added.

    The segmentation needs jieba's prefix dictionary: some 580,000 words and prefixes,
    half a second to unmarshal from jieba's cache, which made up half the wait for a new
    process's first reply (issue 12). So the dictionary (with the added words) is kept
    once more, split by first character into a file of its own (:class:`ShardedFreq`):
    a process reads the small index at start and unmarshals only the shards of the
    characters its texts contain. The first process ever builds that file from jieba;
    ``cache_dir`` overrides where both caches are kept (the system's temporary folder).
    """

    def __init__(self, words: Iterable[tuple[str, int | None]], cache_dir: Path | None = None):
        self._words = tuple(words)
        self._cache_dir = cache_dir
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.RLock()
        self._freq: ShardedFreq | None = None
        self._logtotal = 0.0
        self._logp_cache: dict[str, float] = {}

    def warm_up(self) -> None:
        """Open the dictionary now instead of on the first message."""
        self._ready_freq()

    def cut(self, text: str) -> list[str]:
        """Split ``text`` into words exactly as ``jieba.lcut(text, HMM=False)`` would.

        Same dictionary, same maximum-probability route; the dictionary walk and the route
        search are fused into one pass, which is about twice as fast as jieba's own code.
        """
        self._ready_freq()
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
        return self._ready_tokenizer().lcut(text, HMM=False)  # type: ignore[no-any-return]

    def _cut_block(self, block: str) -> list[str]:
        """Best route through one run of Chinese/latin characters (jieba's DAG + calc)."""
        freq, cache, size = self._ready_freq(), self._logp_cache, len(block)
        score = [0.0] * (size + 1)
        end = list(range(size + 1))
        for start in range(size - 1, -1, -1):
            best, stop, frag = -math.inf, start, block[start]
            shard = freq.shard(frag)  # every word tried here starts with this character
            while frag in shard:
                if shard[frag]:
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
            value = math.log(self._ready_freq().get(word) or 1) - self._logtotal
            self._logp_cache[word] = value
        return value

    def _ready_freq(self) -> ShardedFreq:
        """The sharded dictionary, opened (or first built) under a lock the first time."""
        if self._freq is None:
            with self._lock:
                if self._freq is None:
                    self._freq = self._open_or_build()
                    self._logtotal = math.log(self._freq.total)
        return self._freq

    def _open_or_build(self) -> ShardedFreq:
        """The sharded file if there is a good one, else built from jieba (and saved for
        the next process, where the folder lets it)."""
        path = self._folder() / f"vcbot-freq-{self._fingerprint()}.bin"
        try:
            return ShardedFreq.open(path)
        except (OSError, ValueError, EOFError, TypeError, struct.error):
            pass  # missing (the first process), unreadable or damaged: build it anew
        tokenizer = self._ready_tokenizer()
        freq = ShardedFreq.of(tokenizer.FREQ, tokenizer.total)
        try:
            freq.save(path)
        except OSError as err:
            log.warning("segmentation dictionary not cached (%s): each start loads jieba", err)
        return freq

    def _folder(self) -> Path:
        return self._cache_dir or Path(tempfile.gettempdir())

    def _fingerprint(self) -> str:
        """Names the sharded file after what it is made of: jieba's dictionary file and
        version, and the added words (a change to either makes a new file)."""
        spec = importlib.util.find_spec("jieba")  # found, not imported
        folder = Path(spec.origin).parent if spec and spec.origin else Path()
        dictionary = folder / "dict.txt"  # jieba.DEFAULT_DICT_NAME
        size = dictionary.stat().st_size if dictionary.exists() else 0
        made_of = repr((FORMAT, importlib.metadata.version("jieba"), size, self._words))
        return hashlib.sha256(made_of.encode("utf-8")).hexdigest()[:20]

    def _ready_tokenizer(self) -> jieba.Tokenizer:
        """The initialised jieba tokenizer (for building the shards and for checking),
        built once."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = self._build()
            return self._tokenizer

    def _build(self) -> jieba.Tokenizer:
        """Initialise jieba quietly and add the extra words."""
        import jieba  # a process with the sharded file never needs it

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(self._folder())
        tokenizer.initialize()
        for word, freq in self._words:
            known = tokenizer.FREQ.get(word, 0)
            tokenizer.add_word(word, freq or max(known, NEW_WORD_FREQ))
        return tokenizer


class ShardedFreq:
    """jieba's prefix dictionary split by first character, read shard by shard.

    The file is a length-prefixed header (the total and each character's offset and
    size) followed by one marshalled dict per character. It is written to a temporary
    name and renamed, so a reader never sees half a file.
    """

    def __init__(self, total: int, index: dict[str, tuple[int, int]], body: bytes) -> None:
        self.total = total
        self._index = index
        self._body = body
        self._shards: dict[str, dict[str, int]] = {}

    @classmethod
    def of(cls, freq: dict[str, int], total: int) -> ShardedFreq:
        """The dictionary ``freq`` (with its ``total``), split in memory."""
        sharded = cls(total, {}, b"")
        for word, count in freq.items():
            sharded._shards.setdefault(word[0], {})[word] = count
        return sharded

    def save(self, path: Path) -> None:
        """Write the shards to ``path``, atomically (a temporary file renamed)."""
        index: dict[str, tuple[int, int]] = {}
        chunks: list[bytes] = []
        offset = 0
        for first, shard in self._shards.items():
            chunk = marshal.dumps(shard)
            index[first] = (offset, len(chunk))
            chunks.append(chunk)
            offset += len(chunk)
        header = marshal.dumps((self.total, index))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vcbot-freq-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(struct.pack("<Q", len(header)))
                out.write(header)
                out.writelines(chunks)
            os.chmod(temporary, 0o644)  # as readable as the dictionary it is made of
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path: Path) -> ShardedFreq:
        """Read the file's index (the shards are unmarshalled when first asked for)."""
        data = path.read_bytes()
        (length,) = struct.unpack_from("<Q", data)
        total, index = marshal.loads(data[8 : 8 + length])
        body = data[8 + length :]
        if not isinstance(index, dict) or sum(size for _, size in index.values()) != len(body):
            raise ValueError(f"{path}: damaged (its shards do not add up)")
        return cls(int(total), index, body)

    def shard(self, first: str) -> dict[str, int]:
        """Every word and prefix starting with ``first``, with its frequency."""
        found = self._shards.get(first)
        if found is None:
            place = self._index.get(first)
            found = {} if place is None else marshal.loads(self._body[place[0] : sum(place)])
            self._shards[first] = found
        return found

    def get(self, word: str) -> int | None:
        """The frequency of ``word`` (0 for a mere prefix), None when unknown."""
        return self.shard(word[0]).get(word) if word else None


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
