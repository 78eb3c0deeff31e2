"""Settings of new-word discovery and the record of a discovered word."""

from __future__ import annotations

from dataclasses import dataclass

from nlptk.io import EncodingErrors
from nlptk.text import LatinMode

DEFAULT_THRESHOLDS = (2.0, 4.0, 6.0)  # ln cohesion for lengths 2, 3, 4 (word-discovery's defaults)


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
    min_entropy: float = 0.6

    def threshold(self, length: int) -> float:
        """ln-cohesion threshold for n-grams of ``length``; past the given ones it grows by 2 per character."""
        if length - 2 < len(self.thresholds):
            return self.thresholds[length - 2]
        return self.thresholds[-1] + 2.0 * (length - 1 - len(self.thresholds))


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
