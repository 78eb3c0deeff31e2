"""Average information per character, L = H / l, of a unit inventory (bits)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from nlptk.lexicon import Lexicon, segment
from nlptk.text import is_word_char


@dataclass(frozen=True)
class Entropy:
    """``H`` bits per unit, ``l`` characters per unit; ``L = H / l`` bits per character."""

    H: float
    l: float  # noqa: E741  (the name of the formula)
    units: int  # distinct units
    tokens: int  # unit occurrences

    @property
    def L(self) -> float:
        return self.H / self.l if self.l else 0.0


def entropy_of(counts: np.ndarray, lengths: np.ndarray) -> Entropy:
    """:class:`Entropy` of units occurring ``counts`` times with ``lengths`` characters each."""
    counts = np.asarray(counts, dtype=np.float64)
    used = counts > 0
    counts, lengths = counts[used], np.asarray(lengths, dtype=np.float64)[used]
    total = counts.sum()
    if total == 0:
        return Entropy(0.0, 0.0, 0, 0)
    p = counts / total
    return Entropy(float(-(p * np.log2(p)).sum()), float(p @ lengths), int(used.sum()), int(total))


def entropy_of_words(counts: Mapping[str, int]) -> Entropy:
    """:class:`Entropy` of a ``{word: count}`` table."""
    return entropy_of(
        np.fromiter(counts.values(), dtype=np.int64, count=len(counts)),
        np.fromiter(map(len, counts), dtype=np.int64, count=len(counts)),
    )


def segmentation_entropy(lines: Iterable[str], lexicon: Lexicon) -> Entropy:
    """:class:`Entropy` of the words that ``lexicon`` cuts ``lines`` into (punctuation left out)."""
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(word for word in segment(line, lexicon) if is_word_char(word[0]))
    return entropy_of_words(counts)
