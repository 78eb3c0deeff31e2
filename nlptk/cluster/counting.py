"""N-gram counts on a cluster: each range counted on a worker, the partial counts split by key
range, each split merged on a worker.

The splits are ranges of the first character's id (bounds from the characters' counts, so that
each holds about as many n-grams), not hashes: merged splits then come back in key order, which
is the order a table is written in and the order discovery reads the counts in.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from nlptk.cluster.connection import connect, on_cluster, task_memory, worker_directory
from nlptk.cluster.vocabulary import merge_vocabulary, range_characters
from nlptk.errors import OptionError
from nlptk.io import ByteRange, EncodingErrors, Source, read_range, resolve_inputs, split_ranges
from nlptk.ngrams.counting import NgramCounter, chunk_bytes_for
from nlptk.ngrams.keys import KeyLayout, layout_for, sum_counts
from nlptk.parallel import run_single_threaded
from nlptk.progress import Progress
from nlptk.text import CharVocab, LatinMode

if TYPE_CHECKING:
    from distributed import Client, Future

Counts = dict[int, tuple[np.ndarray, np.ndarray]]  # {k: (sorted keys, counts)} of k-grams
# A range holds at most memory/20 bytes of text. Ranges are as large as that allows: the fewer
# the ranges, the fewer of their n-grams repeat from range to range, so the less is merged and moved.
RANGE_SHARE = 20
MIN_RANGE_BYTES = 1 << 20
MAX_RANGE_BYTES = 256 << 20
SPLIT_SHARE = 8  # a merged split holds at most about memory/8 of partial counts
SPLITS_PER_WORKER = 4  # at least this many splits per worker, so that merging spreads over all of them
PARTIAL_SHARE = 4  # the partial results of a batch of ranges take at most about memory/4 on a worker
PARTIAL_BYTES_PER_INPUT_BYTE = 4  # about how many bytes of partial counts a byte of text makes at order 4


def range_bytes_for(memory: int, input_bytes: int, workers: int) -> int:
    """Bytes of text per range: as few ranges as hold at most memory/RANGE_SHARE each, at least one
    per worker, and a multiple of the workers, so that each worker counts as many."""
    largest = int(min(max(memory // RANGE_SHARE, MIN_RANGE_BYTES), MAX_RANGE_BYTES))
    count = max(-(-input_bytes // largest), workers)
    count = -(-count // workers) * workers
    return max(-(-input_bytes // count), MIN_RANGE_BYTES)


def ranges_per_batch(memory: int, ranges: list[ByteRange]) -> int:
    """Ranges per worker whose partial results are merged together before the next batch starts:
    as many as fit in memory/PARTIAL_SHARE, at least one."""
    largest = max(r.size for r in ranges)
    return max(1, memory // (PARTIAL_SHARE * PARTIAL_BYTES_PER_INPUT_BYTE * max(largest, 1)))


@dataclass
class ClusterCounts:
    """A corpus counted on a cluster: its layout, vocabulary and length, its ranges, and the
    merged splits (futures on the workers, in key order)."""

    layout: KeyLayout
    vocab: CharVocab
    chars: int
    ranges: list[ByteRange]
    input_bytes: int
    splits: list[Future]

    def gathered(self, progress: Progress) -> Iterator[Counts]:
        """The merged splits in key order, each fetched when needed and then released."""
        while self.splits:
            yield self.splits.pop(0).result()
            progress.advance(1)


def count_on_cluster(
    client: Client,
    sources: list[Source],
    order: int,
    latin: LatinMode,
    memory: int,
    encoding_errors: EncodingErrors,
    min_count: int,
    progress: Progress,
    range_bytes: int | None = None,
) -> ClusterCounts:
    """Count all 1..order-grams of ``sources`` on the cluster; merged splits keep the k-grams
    (k ≥ 2) seen at least ``min_count`` times and every unigram."""
    chunk_bytes = chunk_bytes_for(memory)  # the blocks this machine would read: they number the characters
    workers = max(1, len(client.scheduler_info()["workers"]))
    input_bytes = sum(s.size() or 0 for s in sources)
    ranges = split_ranges(sources, range_bytes or range_bytes_for(memory, input_bytes, workers))
    progress.stage("characters", len(ranges))
    reports = []
    for report in client.gather(
        client.map(
            range_characters, ranges, chunk_bytes=chunk_bytes, latin=latin, encoding_errors=encoding_errors, pure=False
        )
    ):
        reports.append(report)
        progress.advance(1)
    vocab, unigram_counts = merge_vocabulary(reports)
    layout = layout_for(order, len(vocab))
    bounds = split_bounds(unigram_counts, split_count(workers, input_bytes, memory))
    units = client.scatter(vocab.unit_array(), broadcast=True)  # one array: one future
    chars, merged = map_and_merge(
        client,
        count_range,
        ranges,
        ranges_per_batch(memory, ranges),
        len(bounds) + 1,
        partial(merge_split, layout, 1),
        partial(merge_split, layout, min_count),
        units=units,
        order=order,
        latin=latin,
        memory=task_memory(memory),
        chunk_bytes=chunk_bytes,
        encoding_errors=encoding_errors,
        bounds=bounds,
    )
    progress.stage("counting", len(ranges))
    total = 0
    for n in client.gather(chars):
        total += n
        progress.advance(1)
    return ClusterCounts(layout, vocab, total, ranges, input_bytes, merged)


RangeOutput = tuple[int, list]  # what a range task returns: a total (characters, pieces) and its splits


def map_and_merge(
    client: Client,
    task: Callable[..., RangeOutput],
    ranges: list[ByteRange],
    per_batch: int,
    parts: int,
    merge: Callable,
    final: Callable,
    **arguments: object,
) -> tuple[list[Future], list[Future]]:
    """``task`` on every range, and its ``parts`` splits merged: those of each batch of ranges
    (``per_batch`` per worker) as the batch finishes (``merge``), then the batches' (``final``).
    Merging early keeps the partial results held on the workers to a few batches (they shrink as
    repeated keys are summed); a batch's merges are submitted before the next batch's ranges, so
    Dask runs them first.

    Returns every range's total and the final splits, futures on the workers.
    """
    batch = per_batch * max(1, len(client.scheduler_info()["workers"]))
    totals: list[Future] = []
    batches: list[list[Future]] = []
    for start in range(0, len(ranges), batch):
        outputs = client.map(task, ranges[start : start + batch], pure=False, **arguments)
        totals.extend(client.map(operator.itemgetter(0), outputs, pure=False))
        batches.append(
            [client.submit(merge, *client.map(split_of, outputs, q=q, pure=False), pure=False) for q in range(parts)]
        )
    return totals, [client.submit(final, *[merged[q] for merged in batches], pure=False) for q in range(parts)]


def split_of(output: RangeOutput, q: int) -> object:
    """Split ``q`` of a range task's output (a task, on the worker that holds the output)."""
    return output[1][q]


def cluster_sources(inputs: Iterable[str]) -> list[Source]:
    """The inputs as every worker can open them: files by absolute path (a worker may run in
    another directory), or URLs; standard input is a usage error."""
    sources = resolve_inputs(inputs)
    if any(s.is_stdin for s in sources):
        raise OptionError("cluster", "cannot split standard input across workers; give files")
    return [s if s.is_url else Source(os.path.abspath(s.name)) for s in sources]


def split_count(workers: int, input_bytes: int, memory: int) -> int:
    """How many splits to merge: at least a few per worker, each of about memory/8 of partial counts
    (at most 65,536)."""
    wanted = -(-input_bytes * PARTIAL_BYTES_PER_INPUT_BYTE // (memory // SPLIT_SHARE))
    return min(max(SPLITS_PER_WORKER * workers, wanted), 1 << 16)


def split_bounds(counts_by_id: np.ndarray, splits: int) -> np.ndarray:
    """First-unit ids that split the n-grams (as many as their first characters' counts) into
    about ``splits`` equal shares: a bound b sends first units below b to the left."""
    cumulative = np.cumsum(counts_by_id)
    if splits < 2 or cumulative[-1] == 0:
        return np.zeros(0, dtype=np.uint64)
    targets = cumulative[-1] * np.arange(1, splits) / splits
    bounds = np.searchsorted(cumulative, targets, side="left") + 1
    return np.unique(np.clip(bounds, 1, len(counts_by_id) - 1)).astype(np.uint64)


def count_range(
    byte_range: ByteRange,
    units: np.ndarray,
    order: int,
    latin: LatinMode,
    memory: int,
    chunk_bytes: int,
    encoding_errors: EncodingErrors,
    bounds: np.ndarray,
) -> RangeOutput:
    """The characters of one range and its counts in splits (a task).
    ``units``: the code point of every id (:meth:`CharVocab.unit_array`)."""
    run_single_threaded()  # Dask runs a task per worker thread
    vocab = CharVocab(map(chr, units[1:].tolist()))
    with NgramCounter(order, latin, memory, tmpdir=worker_directory(), vocab=vocab) as counter:
        counter.add_all(text for _, text in read_range(byte_range, chunk_bytes, encoding_errors))
        parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for partition in counter.partitions():
            for k, counted in partition.items():
                parts.setdefault(k, []).append(counted)
        layout, chars = counter.layout, counter.chars
    whole = {
        k: (layout.concat([keys for keys, _ in pieces]), np.concatenate([n for _, n in pieces]))
        for k, pieces in parts.items()
    }
    return chars, split_by_first_unit(whole, layout, bounds)


def split_by_first_unit(counts: Counts, layout: KeyLayout, bounds: np.ndarray) -> list[Counts]:
    """Sorted counts cut at the first-unit ``bounds``: ``len(bounds) + 1`` parts."""
    result: list[Counts] = [{} for _ in range(len(bounds) + 1)]
    for k, (keys, n) in counts.items():
        edges = np.concatenate(([0], np.searchsorted(layout.unit(keys, 0), bounds, side="left"), [len(keys)]))
        for part, lo, hi in zip(result, edges[:-1], edges[1:], strict=True):
            part[k] = (keys[lo:hi], n[lo:hi])
    return result


def merge_split(layout: KeyLayout, min_count: int, *parts: Counts) -> Counts:
    """One split's counts summed over the ranges; k-grams (k ≥ 2) below ``min_count`` dropped (a task)."""
    merged: Counts = {}
    for k in range(1, layout.order + 1):
        pieces = [part[k] for part in parts if k in part]
        keys, counts = sum_counts(layout, [p[0] for p in pieces], [p[1] for p in pieces])
        if k > 1 and min_count > 1:
            keep = counts >= min_count
            keys, counts = keys[keep], counts[keep]
        merged[k] = (keys, counts)
    return merged


def count_table_on_cluster(
    address: str,
    inputs: list[str],
    path: str | os.PathLike[str],
    order: int,
    min_count: int,
    latin: LatinMode,
    memory: int,
    encoding_errors: EncodingErrors,
    progress: Progress,
    range_bytes: int | None = None,
) -> dict:
    """:func:`nlptk.ngrams.count_to_table` on a cluster."""
    from nlptk.ngrams.table import check_counted, write_table

    sources = cluster_sources(inputs)
    with connect(address, memory) as client:

        def work() -> dict:
            counts = count_on_cluster(
                client, sources, order, latin, memory, encoding_errors, min_count, progress, range_bytes
            )
            check_counted(len(counts.vocab))
            progress.stage("merging", len(counts.splits))
            named = resolve_inputs(inputs)  # the table records the inputs as given, as on one machine
            return write_table(
                path, counts.layout, counts.vocab, counts.chars, counts.gathered(progress), named, latin, min_count
            )

        return on_cluster(address, work)
