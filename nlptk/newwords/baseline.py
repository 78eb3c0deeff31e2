"""Words new in time: discovered words whose frequency rose significantly against a baseline.

Design:

- The candidates are the words :func:`~nlptk.newwords.discover_words` finds in the input; the
  baseline only judges them, so it needs no word discovery of its own.
- Like is compared with like: a candidate's count in BOTH corpora is the number of its raw
  occurrences as a substring (overlapping ones included), which is exactly the n-gram count
  ``nlptk count`` stores. The piece count of discovery (after cutting) has no counterpart in a
  baseline, so the input is read a second time to count the candidates' occurrences. N, the
  size of a corpus, is its number of characters inside fragments (Han, and letters and digits
  unless ``--latin drop``): the sum of a table's unigram counts.
- A baseline corpus is streamed in chunks through one Aho-Corasick automaton of the candidates
  (memory: the candidates, not the corpus). A baseline table (``nlptk count``) is looked up in
  bulk: exact for words up to the table's order; for a longer word the least count of its
  order-length windows, an upper bound of its count (so such a word can only look less new than
  it is). A table counted with ``--min-count`` above 1 lacks rare n-grams: they count 0.
  Several baselines add up (counts and sizes).
- The test is Dunning's log-likelihood G² of the 2×2 table (word, other characters) × (input,
  baseline), all four cells. Only words whose relative frequency rose are kept, with G² at least
  ``min_llr``: 10.83 by default, the χ²(1) critical value for p < 0.001 (6.63: p < 0.01;
  15.13: p < 0.0001). A word absent from the baseline gets the largest G² its count allows, so
  at equal counts the absent words come first. Ties (equal G²) break by more occurrences in the
  input, then by the word in code-point order, so the ranking is deterministic.
- G² grows with the count, so a common word used twice as often as in the baseline (发展,
  合作: a change of genre, not of vocabulary) outranks a new term. ``min_ratio`` (10 by
  default) keeps only words whose relative frequency grew at least that many times; a word
  absent from the baseline always passes. ``min_ratio=1`` keeps every significant rise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np

from nlptk.checks import at_least, one_of
from nlptk.errors import NlptkError, OptionError
from nlptk.io import DEFAULT_CHUNK_BYTES, EncodingErrors, Source, read_chunks, resolve_inputs
from nlptk.newwords.config import Word
from nlptk.ngrams.table import NgramTable
from nlptk.progress import NoProgress, Progress
from nlptk.text import LatinMode, classify, codepoints, word_class_mask

P001 = 10.83  # χ²(1) critical value for p < 0.001


@dataclass(frozen=True)
class BaselineConfig:
    """Settings of :func:`rising_words`."""

    min_llr: float = P001  # keep words whose G² reaches this
    min_ratio: float = 10.0  # ... and whose relative frequency grew this many times (absent: infinitely)
    latin: LatinMode = "split"  # what counts as a character of a corpus (as in DiscoveryConfig)
    encoding_errors: EncodingErrors = "strict"

    def __post_init__(self) -> None:
        if not math.isfinite(self.min_llr):
            raise OptionError("min_llr", f"must be a finite number, not {self.min_llr}")
        at_least("min_llr", self.min_llr, 0)
        if not math.isfinite(self.min_ratio):
            raise OptionError("min_ratio", f"must be a finite number, not {self.min_ratio}")
        at_least("min_ratio", self.min_ratio, 1)
        one_of("latin", self.latin, ("split", "drop"))
        one_of("encoding_errors", self.encoding_errors, get_args(EncodingErrors))


@dataclass
class RisingWord:
    """A discovered word with its occurrences in the input and the baseline, and their G²."""

    word: Word
    occurrences: int  # raw occurrences in the input (of ``input_chars``)
    baseline_count: int  # raw occurrences in the baseline (an upper bound past a table's order)
    llr: float  # signed G²: positive when the relative frequency rose


@dataclass
class Comparison:
    """The rising words, best first, and the sizes (characters) of the two corpora."""

    words: list[RisingWord]
    input_chars: int
    baseline_chars: int


def log_likelihood(n1: np.ndarray, total1: int, n2: np.ndarray, total2: int) -> np.ndarray:
    """Signed Dunning G² of counts ``n1`` of ``total1`` against ``n2`` of ``total2`` (all four cells),
    positive where ``n1 / total1 > n2 / total2``."""
    n1, n2 = np.asarray(n1, dtype=np.float64), np.asarray(n2, dtype=np.float64)
    share = total1 / (total1 + total2)
    expected1 = (n1 + n2) * share
    expected2 = (n1 + n2) - expected1
    g2 = 2 * (
        _observed_log(n1, expected1)
        + _observed_log(n2, expected2)
        + _rest_log(total1 - n1, expected1 - n1, total1 - expected1)
        + _rest_log(total2 - n2, expected2 - n2, total2 - expected2)
    )
    g2 = np.maximum(g2, 0.0)  # rounding can leave -1e-12 where the shares are equal
    return np.where(n1 * total2 > n2 * total1, g2, -g2)


def _observed_log(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """O·ln(O/E), 0 where O is 0."""
    safe = np.where(observed > 0, observed, 1.0)
    return np.where(observed > 0, observed * np.log(safe / np.where(expected > 0, expected, 1.0)), 0.0)


def _rest_log(observed: np.ndarray, excess: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """O·ln(O/E) for the large cells, O = E + ``excess``, through log1p (no cancellation)."""
    safe = np.where(expected > 0, expected, 1.0)
    return np.where(observed > 0, observed * np.log1p(excess / safe), 0.0)


def rising_words(
    words: Sequence[Word],
    inputs: Iterable[str],
    baselines: Iterable[str],
    config: BaselineConfig | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """The ``words`` (discovered in ``inputs``) whose frequency rose significantly against
    ``baselines`` (text files, globs, ``-``, or tables written by ``nlptk count``), best first."""
    config = config or BaselineConfig()
    progress = progress or NoProgress()
    input_sources, texts, tables = check_baselines(inputs, baselines, config.latin)
    strings = [w.word for w in words]
    progress.stage("recounting the input", _size(input_sources))
    occurrences, input_chars = count_occurrences(strings, input_sources, config, progress)
    baseline_counts = np.zeros(len(strings), dtype=np.int64)
    baseline_chars = 0
    if texts:
        progress.stage("counting the baseline", _size(texts))
        counts, chars = count_occurrences(strings, texts, config, progress)
        baseline_counts += counts
        baseline_chars += chars
    for table in tables:
        baseline_counts += table_counts(strings, table)
        baseline_chars += table.total
    if baseline_chars == 0:
        raise NlptkError("the baseline holds no text (empty, or no Chinese characters, letters or digits)")
    llr = log_likelihood(occurrences, input_chars, baseline_counts, baseline_chars)
    grew = occurrences * float(baseline_chars) >= config.min_ratio * baseline_counts * float(input_chars)
    keep = np.flatnonzero((llr >= max(config.min_llr, np.finfo(float).tiny)) & grew)
    g2, seen, base = llr.tolist(), occurrences.tolist(), baseline_counts.tolist()
    order = sorted(keep.tolist(), key=lambda i: (-g2[i], -seen[i], strings[i]))
    ranked = [RisingWord(words[i], seen[i], base[i], g2[i]) for i in order]
    return Comparison(ranked, input_chars, baseline_chars)


def check_baselines(
    inputs: Iterable[str], baselines: Iterable[str], latin: LatinMode = "split"
) -> tuple[list[Source], list[Source], list[NgramTable]]:
    """The sources of ``inputs``, the baseline texts and the baseline tables (opened), or an error:
    a missing file, a damaged table, one counted with another ``latin``, an input on stdin."""
    input_sources, baseline_sources = resolve_inputs(inputs), resolve_inputs(baselines)
    if any(s.is_stdin for s in input_sources):
        raise OptionError("baseline", "needs the input in files, not on stdin: the input is read twice")
    is_table = [not s.is_stdin and NgramTable.is_table(s.name) for s in baseline_sources]
    texts = [s for s, table in zip(baseline_sources, is_table, strict=True) if not table]
    tables = [NgramTable.load(s.name) for s, table in zip(baseline_sources, is_table, strict=True) if table]
    for table in tables:
        _check_latin(table, latin)
    return input_sources, texts, tables


def count_occurrences(
    words: Sequence[str],
    sources: list[Source],
    config: BaselineConfig,
    progress: Progress | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> tuple[np.ndarray, int]:
    """Raw (overlapping) occurrences of each of ``words`` in ``sources`` and their number of
    characters inside fragments, in one pass over chunks of about ``chunk_bytes``."""
    import ahocorasick

    progress = progress or NoProgress()
    counts = np.zeros(len(words), dtype=np.int64)
    automaton = ahocorasick.Automaton()
    for index, word in enumerate(words):
        automaton.add_word(word, index)
    if len(automaton):
        automaton.make_automaton()
    overlap = max(map(len, words), default=1) - 1  # characters kept for matches across chunks
    carry, chars = "", 0
    for chunk in read_chunks(sources, chunk_bytes, config.encoding_errors, progress.advance):
        chars += int(word_class_mask(classify(chunk), config.latin).sum())
        if len(automaton):
            text = carry + chunk
            # A match ending inside the carried characters was counted with the previous chunk.
            found = [index for end, index in automaton.iter(text) if end >= len(carry)]
            counts += np.bincount(np.array(found, dtype=np.int64), minlength=len(words))
            carry = text[-overlap:] if overlap else ""
    return counts, chars


def table_counts(words: Sequence[str], table: NgramTable) -> np.ndarray:
    """Counts of ``words`` in ``table``: exact up to its order, past it the least count of the
    word's order-length windows (an upper bound)."""
    n = table.order
    counts = np.zeros(len(words), dtype=np.int64)
    by_length: dict[int, list[int]] = {}
    for index, word in enumerate(words):
        by_length.setdefault(len(word), []).append(index)
    for length, indices in by_length.items():
        k = min(length, n)
        grams = np.stack([codepoints(words[i]) for i in indices])
        # Every k-window of every word: (words, windows, k) code points, looked up at once.
        windows = np.lib.stride_tricks.sliding_window_view(grams, k, axis=1)
        found = _lookup(table, windows.reshape(-1, k)).reshape(len(indices), -1)
        counts[indices] = found.min(axis=1)
    return counts


def _lookup(table: NgramTable, cps: np.ndarray) -> np.ndarray:
    """Counts in ``table`` of the k-grams whose code points are the rows of ``cps``."""
    rows, k = cps.shape
    result = np.zeros(rows, dtype=np.int64)
    if k not in table.keys or not len(table.keys[k]):
        return result
    ids = table.vocab.encode_chars(cps.ravel(), np.ones(cps.size, dtype=bool), grow=False).reshape(rows, k)
    known = np.flatnonzero((ids != 0).all(axis=1))  # a character the table never saw: count 0
    index, present = table.layout.search(table.keys[k], table.layout.pack(ids[known]))
    hits = known[present]
    result[hits] = np.asarray(table.counts[k])[index[present]]
    return result


def _check_latin(table: NgramTable, latin: str) -> None:
    """A table counted with another ``--latin`` counts other characters: refuse it."""
    counted = table.meta.get("latin", latin)
    if counted != latin:
        raise OptionError("baseline", f"the table was counted with --latin {counted}, the input with --latin {latin}")


def _size(sources: list[Source]) -> int | None:
    sizes = [s.size() for s in sources]
    return None if None in sizes else sum(s for s in sizes if s is not None)
