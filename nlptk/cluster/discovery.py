"""New-word discovery on a cluster: the counts of :mod:`.counting`, then the cut pass on the
workers, with the cohesive set and the other tables shipped to each worker once.

Each range is cut by the code of one machine (:func:`nlptk.newwords.cutting.cut_and_count`);
its pieces, neighbour pairs and sequences are counted and split by a hash of the key, so that
everything about one piece lands in one split; each split is merged on a worker. Only the
pieces seen ``min_count`` times come back, and the boundary statistics of those are computed
where the neighbour pairs are (:class:`nlptk.newwords.boundary.BranchingSums`).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from nlptk.cluster.connection import connect, on_cluster, task_memory, worker_directory
from nlptk.cluster.counting import (
    ClusterCounts,
    RangeOutput,
    cluster_sources,
    count_on_cluster,
    map_and_merge,
    ranges_per_batch,
    split_count,
)
from nlptk.io import ByteRange, read_range
from nlptk.newwords.boundary import BranchingSums
from nlptk.newwords.cohesion import Cohesive
from nlptk.newwords.compounds import HASH_LAYOUT, HASHED, FrequentPairs, SingleParts, pair_hash, sequence_strings
from nlptk.newwords.config import DiscoveryConfig, Word
from nlptk.newwords.cutting import PAIR_LAYOUT, Entropies, cut_and_count
from nlptk.newwords.discover import check_text_found, discover_from_counts
from nlptk.ngrams.counting import WindowStore, chunk_bytes_for
from nlptk.ngrams.hashing import mix, row_hash
from nlptk.ngrams.keys import MAX_ORDER, KeyLayout, sum_counts
from nlptk.ngrams.keyset import KeySet
from nlptk.parallel import run_single_threaded
from nlptk.progress import NoProgress, Progress
from nlptk.text import CharVocab, encode_fragments

if TYPE_CHECKING:
    from distributed import Client

Counted = tuple[np.ndarray, np.ndarray]  # distinct keys and their counts


def discover_on_cluster(
    inputs: Iterable[str], config: DiscoveryConfig, progress: Progress, address: str, range_bytes: int | None = None
) -> list[Word]:
    """:func:`nlptk.newwords.discover_words` on a cluster: the same words."""
    sources = cluster_sources(inputs)
    with connect(address, config.memory) as client:

        def work() -> list[Word]:
            counts = count_on_cluster(
                client,
                sources,
                config.order,
                config.latin,
                config.memory,
                config.encoding_errors,
                config.min_count,
                progress,
                range_bytes,
            )
            check_text_found(len(counts.vocab))

            def cut(cohesive: Cohesive, pairs: FrequentPairs, singles: SingleParts) -> ClusterPieces:
                return cut_on_cluster(client, counts, CutTables.of(counts, cohesive, pairs, singles, config), progress)

            return discover_from_counts(counts, counts.gathered(NoProgress()), cut, config, progress)

        return on_cluster(address, work)


@dataclass
class CutTables:
    """What every worker needs to cut its ranges, shipped once."""

    units: np.ndarray  # the code point of every id
    layout: KeyLayout
    cohesive: Cohesive
    pairs: FrequentPairs
    singles: SingleParts
    config: DiscoveryConfig

    @classmethod
    def of(
        cls,
        counts: ClusterCounts,
        cohesive: Cohesive,
        pairs: FrequentPairs,
        singles: SingleParts,
        config: DiscoveryConfig,
    ) -> CutTables:
        return cls(counts.vocab.unit_array(), counts.layout, cohesive, pairs, singles, config)


@dataclass
class PieceCounts:
    """The counted output of the cut pass (of a range, a split, or the frequent part of a split)."""

    short: Counted
    recut_short: Counted
    left_pairs: Counted
    right_pairs: Counted
    long: Counter[str]
    recut_long: Counter[str]
    sequences: Counted  # sequence codes (see nlptk.newwords.compounds)
    sequence_keys: np.ndarray  # (hashed code, key words…) rows
    # Once a split is merged whole: its pairs reduced to the boundary sums of the pieces seen
    # ``min_count`` times (sorted piece hashes and their sums), left and right.
    left_sums: tuple[np.ndarray, BranchingSums] | None = None
    right_sums: tuple[np.ndarray, BranchingSums] | None = None


@dataclass
class RangeCorpus:
    """One range's ids, as :func:`cut_and_count` reads a counter's."""

    layout: KeyLayout
    vocab: CharVocab
    chars: int
    tmpdir: str
    id_blocks: list[np.ndarray]


def cut_range(byte_range: ByteRange, tables: CutTables, chunk_bytes: int, splits: int) -> RangeOutput:
    """Cut one range and split its counted pieces by hash (a task)."""
    run_single_threaded()  # Dask runs a task per worker thread
    config = replace(tables.config, memory=task_memory(tables.config.memory))
    vocab = CharVocab(map(chr, tables.units[1:].tolist()))
    ids = [
        encode_fragments(text, vocab, config.latin, grow=False)
        for _, text in read_range(byte_range, chunk_bytes, config.encoding_errors)
    ]
    tmpdir = tempfile.mkdtemp(prefix="nlptk-cut-", dir=worker_directory())
    try:
        corpus = RangeCorpus(tables.layout, vocab, sum(map(len, ids)), tmpdir, ids)
        pieces = cut_and_count(corpus, tables.cohesive, tables.pairs, tables.singles, config, NoProgress())  # type: ignore[arg-type]
        whole = PieceCounts(
            short=_counted(pieces.short),
            recut_short=_counted(pieces.recut_short),
            left_pairs=_counted(pieces.left_pairs),
            right_pairs=_counted(pieces.right_pairs),
            long=Counter(dict(pieces.long.frequent(1))),
            recut_long=Counter(dict(pieces.recut_long.frequent(1))),
            sequences=_counted(pieces.compounds.hashes),
            sequence_keys=pieces.compounds.key_rows(),
        )
        units = pieces.units
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return units, split_pieces(whole, tables.layout, splits)


def _counted(store: WindowStore) -> Counted:
    parts = list(store.counted_partitions())
    keys = store.layout.concat([k for k, _ in parts])
    return keys, np.concatenate([n for _, n in parts]) if parts else np.zeros(0, dtype=np.int64)


def split_pieces(pieces: PieceCounts, layout: KeyLayout, splits: int) -> list[PieceCounts]:
    """``pieces`` in ``splits`` parts by a hash of each piece: a piece, its neighbour pairs and a
    sequence with its key all go to the same part."""
    bits = np.uint64(layout.bits)
    short = _split(pieces.short, row_hash(pieces.short[0]), splits)
    recut_short = _split(pieces.recut_short, row_hash(pieces.recut_short[0]), splits)
    left = _split(pieces.left_pairs, mix(pieces.left_pairs[0] >> bits), splits)
    right = _split(pieces.right_pairs, mix(pieces.right_pairs[0] >> bits), splits)
    sequences = _split(pieces.sequences, mix(pieces.sequences[0]), splits)
    key_rows = pieces.sequence_keys
    row_part = (mix(key_rows[:, 0]) % np.uint64(splits)).astype(np.int64)
    long, recut_long = _split_strings(pieces.long, splits), _split_strings(pieces.recut_long, splits)
    return [
        PieceCounts(
            short[q],
            recut_short[q],
            left[q],
            right[q],
            long[q],
            recut_long[q],
            sequences[q],
            key_rows[row_part == q],
        )
        for q in range(splits)
    ]


def _split(counted: Counted, hashes: np.ndarray, splits: int) -> list[Counted]:
    part = (hashes % np.uint64(splits)).astype(np.uint16)  # a stable sort of 16-bit values is a radix sort
    order = np.argsort(part, kind="stable")
    edges = np.searchsorted(part[order], np.arange(splits + 1))
    keys, counts = counted[0][order], counted[1][order]
    return [(keys[lo:hi], counts[lo:hi]) for lo, hi in itertools.pairwise(edges)]


def _split_strings(counts: Counter[str], splits: int) -> list[Counter[str]]:
    parts: list[Counter[str]] = [Counter() for _ in range(splits)]
    for text, n in counts.items():
        parts[zlib.crc32(text.encode("utf-8")) % splits][text] += n
    return parts


def merge_pieces(layout: KeyLayout, min_count: int | None, *parts: PieceCounts) -> PieceCounts:
    """One split summed over the ranges (a task). ``min_count``: the split is whole (the last
    merge), so its neighbour pairs are reduced to the boundary sums of the pieces seen that often."""

    def summed(name: str, key_layout: KeyLayout) -> Counted:
        counted = [getattr(part, name) for part in parts]
        return sum_counts(key_layout, [c[0] for c in counted], [c[1] for c in counted])

    rows = np.concatenate([part.sequence_keys for part in parts])
    merged = PieceCounts(
        short=summed("short", layout),
        recut_short=summed("recut_short", layout),
        left_pairs=summed("left_pairs", PAIR_LAYOUT),
        right_pairs=summed("right_pairs", PAIR_LAYOUT),
        long=sum((part.long for part in parts), Counter()),
        recut_long=sum((part.recut_long for part in parts), Counter()),
        sequences=summed("sequences", HASH_LAYOUT),
        sequence_keys=rows[np.unique(rows[:, 0], return_index=True)[1]],
    )
    if min_count is None:
        return merged
    no_pairs = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    sides = []
    for pairs in (merged.left_pairs, merged.right_pairs):
        owners, sums = BranchingSums.per_owner(*pairs, layout)
        # Every occurrence of a piece adds one pair, so a piece seen min_count times has that total.
        keep = sums.total >= min_count
        sides.append((owners[keep], sums.select(keep)))
    return replace(merged, left_pairs=no_pairs, right_pairs=no_pairs, left_sums=sides[0], right_sums=sides[1])


def frequent_pieces(merged: PieceCounts, min_count: int) -> PieceCounts:
    """What the client needs of a merged split: the pieces and sequences seen ``min_count`` times (a task)."""

    def frequent(counted: Counted) -> Counted:
        keep = counted[1] >= min_count
        return counted[0][keep], counted[1][keep]

    sequences = frequent(merged.sequences)
    hashed = sequences[0][sequences[0] >= HASHED]
    rows = merged.sequence_keys
    rows = rows[KeySet(hashed).contains(rows[:, 0])] if len(hashed) else rows[:0]
    return replace(
        merged,
        short=frequent(merged.short),
        recut_short=frequent(merged.recut_short),
        long=Counter({t: n for t, n in merged.long.items() if n >= min_count}),
        recut_long=Counter({t: n for t, n in merged.recut_long.items() if n >= min_count}),
        sequences=sequences,
        sequence_keys=rows,
    )


def cut_on_cluster(client: Client, counts: ClusterCounts, tables: CutTables, progress: Progress) -> ClusterPieces:
    """Cut every range on the workers; merge the splits there and fetch their frequent part."""
    from distributed import as_completed

    shipped = client.scatter(tables, broadcast=True)
    workers = max(1, len(client.scheduler_info()["workers"]))
    splits = split_count(workers, counts.input_bytes, tables.config.memory)
    units, merged = map_and_merge(
        client,
        cut_range,
        counts.ranges,
        ranges_per_batch(tables.config.memory, counts.ranges),
        splits,
        partial(merge_pieces, counts.layout, None),
        partial(merge_pieces, counts.layout, tables.config.min_count),
        tables=shipped,
        chunk_bytes=chunk_bytes_for(tables.config.memory),
        splits=splits,
    )
    progress.stage("cutting", len(units))
    total = 0
    for done in as_completed(units):
        total += done.result()
        progress.advance(1)
    frequent = client.gather([client.submit(frequent_pieces, m, tables.config.min_count, pure=False) for m in merged])
    return ClusterPieces(counts.layout, frequent, total)


class CountedSplits:
    """Counted keys, split by split (:class:`nlptk.newwords.cutting.CountedStore`)."""

    def __init__(self, parts: list[Counted]) -> None:
        self._parts = parts

    def counted_partitions(self) -> Iterator[Counted]:
        yield from self._parts


class CountedStrings:
    """Counted strings (:class:`nlptk.newwords.cutting.FrequentStrings`)."""

    def __init__(self, counts: Counter[str]) -> None:
        self._counts = counts

    def frequent(self, min_count: int) -> Iterator[tuple[str, int]]:
        return ((text, n) for text, n in self._counts.items() if n >= min_count)


class CountedSequences:
    """Counted sequence codes with the keys of the hashed ones (:class:`nlptk.newwords.cutting.FrequentSequences`)."""

    def __init__(self, layout: KeyLayout, codes: Counted, key_rows: np.ndarray) -> None:
        self.layout = KeyLayout(order=MAX_ORDER, bits=layout.bits)  # as cut_and_count records them
        self._codes = codes
        self._rows = key_rows

    def frequent(self, min_count: int, units: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        keep = self._codes[1] >= min_count
        codes, counts = self._codes[0][keep], self._codes[1][keep]
        hashed = codes[codes >= HASHED]
        keys = self._rows[KeySet(self._rows[:, 0]).index(hashed), 1:] if len(hashed) else self._rows[:0, 1:]
        return sequence_strings(codes, hashed, keys, self.layout, units), counts, pair_hash(codes)


class ClusterPieces:
    """The merged cut pass of a cluster, as discovery reads it (:class:`nlptk.newwords.cutting.PiecesView`)."""

    def __init__(self, layout: KeyLayout, frequent: list[PieceCounts], units: int) -> None:
        self._layout = layout
        self.short = CountedSplits([f.short for f in frequent])
        self.recut_short = CountedSplits([f.recut_short for f in frequent])
        self.long = CountedStrings(sum((f.long for f in frequent), Counter()))
        self.recut_long = CountedStrings(sum((f.recut_long for f in frequent), Counter()))
        codes = (np.concatenate([f.sequences[0] for f in frequent]), np.concatenate([f.sequences[1] for f in frequent]))
        self.compounds = CountedSequences(layout, codes, np.concatenate([f.sequence_keys for f in frequent]))
        self.units = units
        self._sides = [_joined([getattr(f, f"{side}_sums") for f in frequent]) for side in ("left", "right")]

    @property
    def layout(self) -> KeyLayout:
        return self._layout

    def branching(self, hashes: np.ndarray, layout: KeyLayout) -> tuple[Entropies, Entropies]:
        left, right = (BranchingSums.looked_up(*side, hashes).entropy_and_share() for side in self._sides)
        return left, right


def _joined(parts: list[tuple[np.ndarray, BranchingSums] | None]) -> tuple[np.ndarray, BranchingSums]:
    """The boundary sums of all splits (each piece hash in one), sorted by hash."""
    present = [part for part in parts if part is not None]
    owners = np.concatenate([owners for owners, _ in present]) if present else np.zeros(0, dtype=np.uint64)
    order = np.argsort(owners, kind="stable")
    sums = BranchingSums(
        *(
            np.concatenate([getattr(s, name) for _, s in present])[order] if present else np.zeros(0)
            for name in ("total", "plogp", "top")
        )
    )
    return owners[order], sums
