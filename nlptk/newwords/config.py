"""Settings of new-word discovery and the record of a discovered word."""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import get_args

from nlptk.checks import at_least, between, fraction, length_range, one_of, positive_float
from nlptk.errors import OptionError
from nlptk.io import EncodingErrors
from nlptk.ngrams.counting import check_memory
from nlptk.ngrams.keys import MAX_ORDER
from nlptk.text import LatinMode

DEFAULT_THRESHOLDS = (2.0, 4.0, 6.0)  # ln cohesion for lengths 2, 3, 4 (word-discovery's defaults)
SINGLE_AFFIX = 100  # a character "makes words" at an edge when it begins (ends) this many longer dictionary words
MAX_LEN = 10  # the longest word found: longer pieces are phrases and clauses (形势依然严峻复杂)


@dataclass(frozen=True)
class DiscoveryConfig:
    """Settings of :func:`discover_words`; the defaults follow the reference implementation."""

    order: int = 4
    min_count: int = 32
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    latin: LatinMode = "split"
    memory: int = 1 << 30
    encoding_errors: EncodingErrors = "strict"
    reject_fragments: bool = True
    max_neighbour_share: float = 0.75
    min_entropy: float = 1.2
    compound_threshold: float = 3.5  # ln unit cohesion of a compound of pieces (see compounds.py)
    compounds: bool = True  # the compound level
    single_entropies: bool = True  # branching entropies of single characters too (only --min-len 1 prints them)
    bound_share: float = 0.9  # a split part seen inside the n-gram this often is bound to it (see cohesive_ngrams)

    def __post_init__(self) -> None:
        between("order", self.order, 2, MAX_ORDER)
        at_least("min_count", self.min_count, 1)
        if not self.thresholds:
            raise OptionError("thresholds", "needs at least one number")
        if not all(math.isfinite(t) for t in self.thresholds):
            raise OptionError("thresholds", f"must be finite numbers, not {list(self.thresholds)}")
        if not math.isfinite(self.compound_threshold):
            raise OptionError("compound_threshold", f"must be a finite number, not {self.compound_threshold}")
        one_of("latin", self.latin, ("split", "drop"))
        check_memory(self.memory)
        one_of("encoding_errors", self.encoding_errors, get_args(EncodingErrors))
        fraction("max_neighbour_share", self.max_neighbour_share, closed=True)
        at_least("min_entropy", self.min_entropy, 0)
        positive_float("bound_share", self.bound_share)
        fraction("bound_share", self.bound_share, closed=True)

    def threshold(self, length: int) -> float:
        """ln-cohesion threshold for n-grams of ``length``; past the given ones it grows by 2 per character."""
        if length - 2 < len(self.thresholds):
            return self.thresholds[length - 2]
        return self.thresholds[-1] + 2.0 * (length - 1 - len(self.thresholds))


SORT_ORDERS = ("score", "count")


@dataclass(frozen=True)
class WordSelection:
    """Which discovered words to print, in which order: a length window, ``sort`` by score (the best
    evidenced first, see :attr:`Word.score`) or by count, the first ``top`` of them (0: all)."""

    min_len: int = 2
    max_len: int = MAX_LEN  # 0: no limit
    top: int = 0
    sort: str = "score"  # or "count"

    def __post_init__(self) -> None:
        length_range(self.min_len, self.max_len)
        at_least("top", self.top, 0)
        one_of("sort", self.sort, SORT_ORDERS)

    def select(self, words: Iterable[Word], excluded: Iterable[Container[str]] = ()) -> Iterator[Word]:
        """The words in the length window and in none of ``excluded``, in ``sort`` order, the first
        ``top`` of them. Score ties go by count, then word; single characters (no score) come last."""
        lexicons = list(excluded)
        taken = 0
        if self.sort == "score":
            words = sorted(words, key=lambda w: (-w.score if w.score == w.score else math.inf, -w.count, w.word))
        else:  # stable: equal counts keep the order they came in
            words = sorted(words, key=lambda w: -w.count)
        for word in words:
            if self.top and taken >= self.top:
                return
            length = len(word.word)
            if length < self.min_len or (self.max_len and length > self.max_len):
                continue
            if any(word.word in lexicon for lexicon in lexicons):
                continue
            taken += 1
            yield word


@dataclass
class Word:
    """A discovered word with the statistics it was judged by."""

    word: str
    count: int
    cohesion: float  # ln of the minimum split ratio (min over n-windows for long words); nan for one character
    left_entropy: float  # branching entropy of the preceding character, in nats
    right_entropy: float
    left_share: float = 0.0  # share of the most frequent preceding character
    right_share: float = 0.0

    @property
    def score(self) -> float:
        """The evidence that it is a word, in nats: its cohesion plus the branching entropy at its
        weaker edge (how much more its characters stick together than chance, and how freely it
        combines on both sides); nan for one character. On a judged random sample of news it tells
        words from fragments with AUC 0.84, against 0.58 for the count."""
        return self.cohesion + min(self.left_entropy, self.right_entropy)
