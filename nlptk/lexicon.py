"""The one segmenter over a word list: a frequency lexicon and unigram max-probability segmentation.

A :class:`Lexicon` keeps its words in a ``marisa_trie.Trie`` whose key ids index a numpy array
of counts; it is immutable once built. Lexicon files use jieba's format, ``word [freq [tag]]``
per line. :func:`segment` cuts every run of Han characters along the path of lexicon words with
the highest product of unigram probabilities (jieba's ``cut(HMM=False)``); runs of Latin letters
and digits stay whole, every other visible character is a word of its own and whitespace goes.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import marisa_trie
import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import atomic_output, read_lines, resolve_inputs
from nlptk.text import CharClass, classify, fragment_spans

JIEBA = "jieba"
_WHITESPACE = re.compile(r"\s")


class Lexicon:
    """An immutable set of words with counts, looked up by prefix through a marisa trie."""

    __slots__ = ("_counts", "_logp", "_maxlen", "_total", "_trie", "_unknown_logp", "name")

    def __init__(self, trie: marisa_trie.Trie, counts: np.ndarray, name: str = "") -> None:
        """Wrap a trie and the counts indexed by its key ids; use the ``from_*``/``load`` constructors."""
        if len(counts) != len(trie):
            raise ValueError("counts must have one entry per trie key")
        self._trie = trie
        self._counts = counts.astype(np.int64, copy=False)
        self._counts.setflags(write=False)
        self._total = int(self._counts.sum())
        self._maxlen = max((len(w) for w in trie.iterkeys()), default=0)
        log_total = math.log(max(self._total, 1))
        # Log-probabilities as a plain list: indexing it is faster than numpy scalars in the DP.
        self._logp: list[float] = (np.log(np.maximum(self._counts, 1)) - log_total).tolist()
        self._unknown_logp = -log_total
        self.name = name

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Iterable[tuple[str, int]], name: str = "") -> Lexicon:
        """A lexicon from ``{word: count}`` or ``(word, count)`` pairs; repeated words add up."""
        if isinstance(counts, Mapping):
            merged = {word: int(count) for word, count in counts.items() if word}
        else:
            merged = {}
            for word, count in counts:
                if word:
                    merged[word] = merged.get(word, 0) + int(count)
        where = f"{name}: " if name else ""
        if _WHITESPACE.search("".join(merged)):
            word = next(w for w in merged if _WHITESPACE.search(w))
            raise NlptkError(f"{where}lexicon word {word!r} contains whitespace")
        if any("\x00" in word for word in merged):
            word = next(w for w in merged if "\x00" in w)
            raise NlptkError(f"{where}lexicon word {word!r} contains a NUL character")
        values = np.fromiter(merged.values(), dtype=np.int64, count=len(merged))
        if len(values) and values.min() < 0:
            word = next(w for w, c in merged.items() if c < 0)
            raise NlptkError(f"{where}lexicon word {word!r} has a negative count {merged[word]}")
        trie = marisa_trie.Trie(merged.keys())
        array = np.zeros(len(trie), dtype=np.int64)
        array[np.fromiter(map(trie.get, merged), dtype=np.int64, count=len(merged))] = values
        return cls(trie, array, name=name)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Lexicon:
        """Read a jieba-format file: ``word [freq [tag]]`` per line, freq defaulting to 1."""
        name = os.fspath(path)
        return cls.from_counts(_parse_jieba_lines(name, read_lines(resolve_inputs([name]))), name=name)

    @classmethod
    def jieba(cls) -> Lexicon:
        """jieba's built-in dictionary (``dict.txt`` of the installed package; loaded once, cached)."""
        return _jieba_lexicon()

    @classmethod
    def open(cls, spec: str | os.PathLike[str]) -> Lexicon:
        """``"jieba"`` for jieba's built-in dictionary, otherwise the path of a jieba-format file."""
        if os.fspath(spec) == JIEBA:
            return cls.jieba()
        return cls.load(spec)

    def save(self, path: str | os.PathLike[str] | None) -> None:
        """Write ``word count`` lines, most frequent first, atomically (``None`` or ``-``: stdout)."""
        entries = sorted(self.items(), key=lambda item: (-item[1], item[0]))
        with atomic_output(path) as out:
            for word, count in entries:
                out.write(f"{word} {count}\n")

    # -- queries ------------------------------------------------------------------------------

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._trie

    def __len__(self) -> int:
        return len(self._trie)

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.iterkeys())

    def __repr__(self) -> str:
        return f"Lexicon({self.name or '<memory>'}, {len(self)} words, total {self._total})"

    @property
    def total(self) -> int:
        """Sum of all counts."""
        return self._total

    @property
    def max_word_length(self) -> int:
        return self._maxlen

    def count(self, word: str) -> int:
        """The count of ``word``; 0 when it is not in the lexicon."""
        key_id = self._trie.get(word)
        return 0 if key_id is None else int(self._counts[key_id])

    def words(self) -> list[str]:
        """All words (trie order)."""
        return self._trie.keys()

    def items(self) -> Iterator[tuple[str, int]]:
        """``(word, count)`` pairs (trie order)."""
        counts = self._counts
        for word, key_id in self._trie.iteritems():
            yield word, int(counts[key_id])

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """The lexicon words that begin at position ``start`` of ``text``, shortest first."""
        return self._trie.prefixes(text[start : start + self._maxlen])

    def segment(self, text: str) -> list[str]:
        """Shorthand for :func:`segment` with this lexicon."""
        return segment(text, self)

    # -- segmentation core --------------------------------------------------------------------

    def _cut_han(self, run: str, out: list[str]) -> None:
        """Append the max-probability split of a run of Han characters to ``out``."""
        if len(run) == 1:
            out.append(run)
            return
        prefixes, logp, maxlen = self._trie.iter_prefixes_with_ids, self._logp, self._maxlen

        def words_at(i: int) -> Iterator[tuple[int, float]]:
            return ((i + len(word), logp[key_id]) for word, key_id in prefixes(run[i : i + maxlen]))

        start = 0
        for end in best_path(len(run), words_at, self._unknown_logp)[0]:
            out.append(run[start:end])
            start = end


def best_path(n: int, words_at: Callable[[int], Iterable[tuple[int, float]]], alone: float) -> tuple[list[int], float]:
    """The unigram DP: the max-probability split of ``n`` units into words, as the end of each
    word, and its ln-probability. ``words_at(i)`` gives ``(end, ln p)`` of every word that starts
    at unit ``i``; where none does, the unit alone has ln p ``alone``. Ties go to the longer word,
    as in jieba. :func:`best_paths` is the same for many sequences at once."""
    score = [0.0] * (n + 1)
    best_end = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        best, end = -math.inf, i + 1
        for j, logp in words_at(i):
            candidate = logp + score[j]
            if candidate > best or (candidate == best and j > end):
                best, end = candidate, j
        if best == -math.inf:
            best = alone + score[i + 1]
        score[i], best_end[i] = best, end
    ends, i = [], 0
    while i < n:
        i = best_end[i]
        ends.append(i)
    return ends, score[0]


def best_paths(n: int, rows: int, span_logp: Callable[[int, int], np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`best_path` vectorised over ``rows`` sequences of ``n`` units each: ``span_logp(i, j)``
    is the ln p of units ``i..j-1`` as one word in every row (-inf where it is none), or None where
    it is none in any row; a single unit (``j = i + 1``) must have one. The ln-probability of each
    row's best split, and ``best_end[r, i]``, the end of the word that starts at unit ``i`` on it."""
    score = np.full((rows, n + 1), -np.inf)
    score[:, n] = 0.0
    best_end = np.zeros((rows, n + 1), dtype=np.int64)
    for i in range(n - 1, -1, -1):
        for j in range(n, i, -1):  # longest first: ties go to the longer word
            logp = span_logp(i, j)
            if logp is None:
                continue
            total = logp + score[:, j]
            better = total > score[:, i]
            score[better, i] = total[better]
            best_end[better, i] = j
    return score[:, 0], best_end


def best_split(text: str, counts: Mapping[str, int], total: int, max_len: int) -> tuple[list[str], float]:
    """The max-probability split of ``text`` over a plain ``{word: count}`` table, and its ln-probability:
    :func:`best_path` (a listed word counts at least 1; where no word starts, the character alone,
    counted 1) for tables too large or too short-lived to build a :class:`Lexicon` for."""
    log_total = math.log(max(total, 1))

    def words_at(i: int) -> Iterator[tuple[int, float]]:
        for j in range(i + 1, min(len(text), i + max_len) + 1):
            count = counts.get(text[i:j])
            if count is not None:
                yield j, math.log(max(count, 1)) - log_total

    ends, logp = best_path(len(text), words_at, -log_total)
    return [text[start:end] for start, end in zip([0, *ends], ends, strict=False)], logp


def _parse_jieba_lines(name: str, lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    """``(word, freq)`` of each ``word [freq [tag]]`` line, or of each TAB-separated row whose first
    two columns are word and count (``nlptk newwords`` output, its ``--header`` line skipped);
    anything else names the file and line."""
    empty = True
    for lineno, line in enumerate(lines, 1):
        if "\t" in line:
            fields = [field.strip() for field in line.split("\t")][:2]
            if lineno == 1 and fields == ["word", "count"]:
                continue
        else:
            fields = line.split()
            if len(fields) > 3:
                raise NlptkError(f"{name}: line {lineno}: {len(fields)} fields; a lexicon line is 'word [freq [tag]]'")
        if not fields or not fields[0]:
            continue
        empty = False
        yield fields[0], _parse_freq(fields[1], name, lineno) if len(fields) > 1 else 1
    if empty:
        raise NlptkError(f"{name}: the lexicon holds no words")


def _parse_freq(token: str, name: str, lineno: int) -> int:
    """A frequency: a non-negative integer."""
    if not token.isascii() or not token.isdigit():
        raise NlptkError(f"{name}: line {lineno}: frequency {token!r} is not a non-negative integer")
    return int(token)


def jieba_dictionary_path() -> str:
    """The path of jieba's built-in ``dict.txt`` (jieba itself is not imported)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise NlptkError("jieba is not installed, so its dictionary is not available; pass a lexicon file")
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    if not os.path.exists(path):
        raise NlptkError(f"jieba's dictionary is missing: {path}")
    return path


@lru_cache(maxsize=1)
def _jieba_lexicon() -> Lexicon:
    return Lexicon.load(jieba_dictionary_path())


FUNCTION_TAGS = frozenset({"c", "d", "f", "p", "r", "u", "ud", "ug", "uj", "ul", "uv", "uz", "y", "zg"})


@dataclass(frozen=True)
class EdgeCounts:
    """How many words of jieba's dictionary begin and end with each character, for two-character
    words and for longer ones: how freely a character makes words at that edge."""

    first_of_two: Counter[str]
    last_of_two: Counter[str]
    first_of_longer: Counter[str]
    last_of_longer: Counter[str]


@dataclass(frozen=True)
class JiebaDictionary:
    """jieba's dictionary as plain sets, read once: its words, their edge counts, and the frequency
    and tag of each one-character word (a :class:`Lexicon` is for segmenting; this is for looking up)."""

    words: dict[str, str]  # word -> its tag ("" when it has none)
    edges: EdgeCounts
    characters: dict[str, tuple[int, str]]


@lru_cache(maxsize=1)
def jieba_dictionary() -> JiebaDictionary:
    """The :class:`JiebaDictionary` of the installed jieba."""
    words = {}
    edges = EdgeCounts(Counter(), Counter(), Counter(), Counter())
    characters = {}
    with open(jieba_dictionary_path(), encoding="utf-8") as handle:  # line by line: it is 9 MB
        for line in handle:
            parts = line.split()
            if not parts:
                continue
            word = parts[0]
            words[word] = parts[2] if len(parts) >= 3 else ""
            if len(word) == 1 and len(parts) == 3 and parts[1].isdigit():
                characters[word] = (int(parts[1]), parts[2])
            elif len(word) == 2:
                edges.first_of_two[word[0]] += 1
                edges.last_of_two[word[1]] += 1
            elif len(word) > 2:
                edges.first_of_longer[word[0]] += 1
                edges.last_of_longer[word[-1]] += 1
    return JiebaDictionary(words, edges, characters)


def word_set(spec: str) -> Container[str]:
    """The words of a lexicon, for membership only: ``"jieba"`` gives jieba's dictionary as a plain
    set (faster to load than a :class:`Lexicon`), otherwise the words of a jieba-format file."""
    return jieba_dictionary().words if spec == JIEBA else Lexicon.open(spec)


@lru_cache(maxsize=1)
def function_characters(min_freq: int = 20000, min_verb_freq: int = 50000) -> frozenset[str]:
    """Frequent one-character function words of jieba's dictionary (的 了 在 把 和 也 …).

    Conjunctions, adverbs, localisers, prepositions, pronouns, particles and modal words with a
    frequency of at least ``min_freq``, and the most frequent one-character verbs (是 有 说 …).
    """
    return frozenset(
        char
        for char, (freq, tag) in jieba_dictionary().characters.items()
        if (tag in FUNCTION_TAGS and freq >= min_freq) or (tag == "v" and freq >= min_verb_freq)
    )


def segment(text: str, lexicon: Lexicon | str | os.PathLike[str] = JIEBA) -> list[str]:
    """Words of ``text``: Han runs by max unigram probability over ``lexicon``, Latin/digit runs whole.

    Every other non-space character is a word by itself; whitespace is dropped, so
    ``"".join(segment(t)) == "".join(t.split())``. ``lexicon`` is a :class:`Lexicon`, or a spec
    for :meth:`Lexicon.open` (``"jieba"``, the default, or a file path, read on every call).
    """
    if not isinstance(lexicon, Lexicon):
        lexicon = Lexicon.open(lexicon)
    if not text:
        return []
    classes = classify(text)
    words: list[str] = []
    pos = 0
    for start, end in fragment_spans(text, latin="whole"):
        if pos < start:
            _add_others(text, classes, pos, start, words)
        if classes[start] == CharClass.HAN:
            lexicon._cut_han(text[start:end], words)
        else:
            words.append(text[start:end])
        pos = end
    if pos < len(text):
        _add_others(text, classes, pos, len(text), words)
    return words


def _add_others(text: str, classes: np.ndarray, start: int, end: int, out: list[str]) -> None:
    """Each non-space character of ``text[start:end]`` as a word of its own."""
    space = CharClass.SPACE
    for i, cls in enumerate(classes[start:end].tolist(), start):
        if cls != space:
            out.append(text[i])


def segment_lines(lines: Iterable[str], lexicon: Lexicon | str | os.PathLike[str] = JIEBA) -> Iterator[str]:
    """Each line segmented, words joined by single spaces (blank lines stay blank)."""
    if not isinstance(lexicon, Lexicon):
        lexicon = Lexicon.open(lexicon)
    for line in lines:
        yield " ".join(segment(line, lexicon))
