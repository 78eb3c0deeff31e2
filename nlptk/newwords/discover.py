"""Unsupervised new-word discovery by multi-order cohesion, with a boundary-statistics filter.

1. Count all 1..n-grams (:mod:`nlptk.ngrams`).
2. Keep the n-grams G (2 ≤ length ≤ n) with count ≥ min_count whose cohesion, the minimum
   over binary splits of P(w) / (P(left)·P(right)), reaches e^threshold[length].
3. Cut every fragment at each gap that no member of G spans; count the pieces.
4. Backward filter: a piece of length 3..n must be in G; a longer one must have every
   n-length window in G.
5. Beyond the reference: boundary statistics reject fragments (:mod:`nlptk.newwords.boundary`):
   a piece nearly always extended by the same neighbour (枝繁叶 → 茂), one whose neighbours
   barely vary, a function character stuck to a word (的田野), numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import read_chunks, resolve_inputs
from nlptk.lexicon import function_characters, jieba_dictionary
from nlptk.newwords.boundary import LONG_AFFIX, reject_fragments, well_formed
from nlptk.newwords.cohesion import Cohesive, cohesion_of, cohesive_ngrams, frequent_ngrams
from nlptk.newwords.compounds import FrequentPairs, SingleParts, compound_sides, unit_cohesion
from nlptk.newwords.config import DiscoveryConfig, Word
from nlptk.newwords.cutting import CountedStore, PiecesView, cut_and_count
from nlptk.newwords.hashing import long_piece_hash, pair_prefix
from nlptk.ngrams.counting import NgramCounter, chunk_bytes_for
from nlptk.ngrams.hashing import row_hash
from nlptk.ngrams.keys import KeyLayout
from nlptk.progress import NoProgress, Progress
from nlptk.text import CharVocab, codepoints


class CountedCorpus(Protocol):
    """What discovery needs of a counted corpus: its key layout, vocabulary and length."""

    layout: KeyLayout
    vocab: CharVocab
    chars: int


CutPass = Callable[[Cohesive, FrequentPairs, SingleParts], PiecesView]


def discover_words(
    inputs: Iterable[str],
    config: DiscoveryConfig | None = None,
    progress: Progress | None = None,
    cluster: str | None = None,
) -> list[Word]:
    """Discover words in the texts at ``inputs`` (paths, globs or ``-``), most frequent first.

    ``cluster``: a Dask scheduler's address, or ``local:N`` (see :mod:`nlptk.cluster`); the
    words are the same as on this machine.
    """
    config = config or DiscoveryConfig()
    progress = progress or NoProgress()
    if cluster is not None:
        from nlptk.cluster.discovery import discover_on_cluster

        return discover_on_cluster(inputs, config, progress, cluster)
    sources = resolve_inputs(inputs)
    sizes = [s.size() for s in sources]
    input_bytes = None if None in sizes else sum(sizes)  # type: ignore[arg-type]
    with NgramCounter(config.order, config.latin, config.memory, input_bytes=input_bytes, keep_ids=True) as counter:
        progress.stage("counting", input_bytes)
        counter.add_all(read_chunks(sources, chunk_bytes_for(config.memory), config.encoding_errors, progress.advance))
        check_text_found(len(counter.vocab))

        def cut(cohesive: Cohesive, pairs: FrequentPairs, singles: SingleParts) -> PiecesView:
            return cut_and_count(counter, cohesive, pairs, singles, config, progress)

        return discover_from_counts(counter, counter.partitions(config.min_count), cut, config, progress)


def check_text_found(vocab_size: int) -> None:
    if vocab_size <= 1:  # no character inside a fragment: empty, or only punctuation/spaces
        raise NlptkError("the input holds no text to discover words in (empty, or no Chinese characters)")


def discover_from_counts(
    corpus: CountedCorpus,
    partitions: Iterable[dict[int, tuple[np.ndarray, np.ndarray]]],
    cut: CutPass,
    config: DiscoveryConfig,
    progress: Progress,
) -> list[Word]:
    """Steps 2–5 of discovery, from the counted partitions of ``corpus`` and a pass that cuts it."""
    progress.stage("cohesion")
    layout = corpus.layout
    unigram_total, frequent = frequent_ngrams(partitions, layout, config.min_count)
    cohesive = cohesive_ngrams(layout, frequent, unigram_total, config, len(corpus.vocab))
    progress.stage("cutting", corpus.chars)
    bigrams = frequent.get(2, (layout.empty(), None))[0]
    pairs = FrequentPairs(layout.unit(bigrams, 0), layout.unit(bigrams, 1), len(corpus.vocab) + 1)
    singles = SingleParts.of(corpus.vocab.unit_array(), function_characters(), jieba_dictionary().edges, LONG_AFFIX)
    pieces = cut(cohesive, pairs, singles)
    return _collect(layout, corpus.vocab, cohesive, pieces, singles, config)


def _collect(
    layout: KeyLayout,
    vocab: CharVocab,
    cohesive: Cohesive,
    pieces: PiecesView,
    singles: SingleParts,
    config: DiscoveryConfig,
) -> list[Word]:
    """Frequent pieces with their cohesion and boundary statistics, fragments rejected."""
    table_units = vocab.unit_array()
    words: list[str] = []
    counts: list[np.ndarray] = []
    cohesions: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    for k, keys, freq in _frequent_short(pieces.short, config.min_count, layout):
        words.extend(_strings(keys, k, layout, table_units))
        counts.append(freq)
        cohesions.append(cohesion_of(keys, layout, cohesive) if k >= 2 else np.full(len(keys), np.nan))
        hashes.append(row_hash(keys))
    for word, long_count in sorted(pieces.long.frequent(config.min_count)):
        ids = vocab.encode_chars(codepoints(word), np.ones(len(word), bool), grow=False)
        windows = layout.windows(np.append(ids, 0))
        words.append(word)
        counts.append(np.array([long_count]))
        cohesions.append(np.array([cohesion_of(windows[: len(word) - layout.order + 1], layout, cohesive).min()]))
        hashes.append(long_piece_hash(layout, windows, np.zeros(1, dtype=np.int64), np.array([len(word)])))
    sequences, sequence_counts, sequence_hashes = (
        pieces.compounds.frequent(config.min_count, table_units)
        if config.compounds
        else ([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))
    )
    count_array = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    cohesion_array = np.concatenate(cohesions) if cohesions else np.zeros(0)
    hash_array = pair_prefix(np.concatenate((*hashes, sequence_hashes)), layout)
    left, right = pieces.branching(hash_array, layout)

    def word(text: str, i: int, count: int, cohesion: float) -> Word:
        entropies = float(left[0][i]), float(right[0][i])
        return Word(text, count, cohesion, *entropies, float(left[1][i]), float(right[1][i]))

    result = [word(text, i, int(count_array[i]), float(cohesion_array[i])) for i, text in enumerate(words)]
    if config.reject_fragments:
        result = reject_fragments(result, config)
    if config.compounds:
        piece_counts, sides = _compound_units(words, count_array, sequences, pieces, singles, table_units, config)
        sequence_count = dict(zip(sequences, sequence_counts.tolist(), strict=True))
        passed = unit_cohesion(sequence_count, piece_counts, sides, pieces.units, config)
        compounds = [
            word(text, len(words) + i, sequence_count[text], passed[text])
            for i, text in enumerate(sequences)
            if text in passed
        ]
        if config.reject_fragments:
            compounds = reject_fragments(compounds, config, context={w.word for w in result})
        result.extend(compounds)
    result.sort(key=lambda w: (-w.count, w.word))
    return result


def _compound_units(
    words: list[str],
    counts: np.ndarray,
    sequences: list[str],
    pieces: PiecesView,
    singles: SingleParts,
    units: np.ndarray,
    config: DiscoveryConfig,
) -> tuple[dict[str, int], tuple[dict[str, float], dict[str, float]]]:
    """The units of the compound level: the count of every piece as a unit (of the cut, ``words``
    with ``counts``, and of the recut), and the sides a compound may have (:func:`compound_sides`)
    among the well-formed ones that split some of ``sequences``."""
    piece_counts = dict(zip(words, counts.tolist(), strict=True))
    for text, count in _recut_counts(pieces, config.min_count, pieces.layout, units):
        piece_counts[text] = piece_counts.get(text, 0) + count
    known = set(piece_counts)
    split_sides = {text[:j] for text in sequences for j in range(1, len(text))}
    split_sides |= {text[j:] for text in sequences for j in range(1, len(text))}
    parts = {text for text in split_sides & known if len(text) == 1 or well_formed(text, known)}
    ids = {chr(cp): i for i, cp in enumerate(units.tolist()) if cp}
    return piece_counts, compound_sides(parts, set(words), jieba_dictionary(), singles, ids)


def _frequent_short(
    store: CountedStore, min_count: int, layout: KeyLayout
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(length, keys, counts) of the pieces of at most n characters seen at least ``min_count`` times."""
    for keys, freq in store.counted_partitions():
        keep = freq >= min_count
        keys, freq = keys[keep], freq[keep]
        lengths = np.zeros(len(keys), dtype=np.int64)
        for k in range(layout.order):
            lengths += layout.unit(keys, k) != 0
        for k in range(1, layout.order + 1):
            sel = lengths == k
            if sel.any():
                yield k, keys[sel], freq[sel]


def _strings(keys: np.ndarray, k: int, layout: KeyLayout, units: np.ndarray) -> list[str]:
    """The text of k-unit keys; ``units`` maps ids to code points."""
    return np.ascontiguousarray(units[layout.unpack(keys, k)]).view(f"<U{k}").ravel().tolist()


def _recut_counts(
    pieces: PiecesView, min_count: int, layout: KeyLayout, units: np.ndarray
) -> Iterator[tuple[str, int]]:
    """The pieces of recut failing pieces seen at least ``min_count`` times there, with those counts."""
    for k, keys, freq in _frequent_short(pieces.recut_short, min_count, layout):
        yield from zip(_strings(keys, k, layout, units), freq.tolist(), strict=True)
    yield from pieces.recut_long.frequent(min_count)
