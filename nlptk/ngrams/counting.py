"""Exact streaming counts of all 1..n-grams inside fragments, in bounded memory.

Text arrives in chunks. Each chunk becomes one key per character position: the window of
``order`` units starting there, zero-padded past the end of its fragment. Windows are sorted
with numpy and kept, or spilled to range partitions in a temporary directory once the
memory budget is reached. Since every k-gram occurrence is the k-prefix of exactly one
window, one sort of the windows yields the counts of all orders: in sorted windows, equal
k-prefixes are adjacent (:func:`aggregate`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from nlptk.checks import between, one_of
from nlptk.errors import OptionError
from nlptk.memory import release_free_memory
from nlptk.ngrams.keys import MAX_ORDER, KeyLayout, count_runs, layout_for
from nlptk.parallel import R, default_workers, ordered_map
from nlptk.text import CharVocab, LatinMode, encode_fragments

MIN_MEMORY = 1 << 20  # the smallest --memory budget: one chunk's working set needs about this much
MIN_COUNTER_MEMORY = 1 << 12  # what NgramCounter itself accepts (tiny budgets test the spilling)
BYTES_PER_CHAR_WORKING = 64  # peak bytes per character while a chunk is turned into sorted keys
MIN_CHUNK_BYTES = 1 << 16  # smaller chunks would cost more in per-chunk overhead than they save


def check_memory(memory: int, low: int = MIN_MEMORY) -> None:
    """A memory budget of at least ``low`` bytes (an :class:`OptionError` naming memory otherwise)."""
    if not memory >= low:
        shown = f"{low >> 20}M" if low % (1 << 20) == 0 else f"{low >> 10}K"
        raise OptionError("memory", f"must be at least {shown} ({low:,} bytes), not {memory:,} bytes")


def blocks_in_flight() -> int:
    """Blocks of text in memory at once in a parallel pass: one per worker thread, one waiting
    to be stored and one being read (see :func:`nlptk.parallel.ordered_map`)."""
    return default_workers() + 2


def chunk_bytes_for(memory: int) -> int:
    """Input bytes per chunk so that the working sets of the chunks in flight take at most a
    quarter of ``memory`` (a character takes at least one byte)."""
    share = memory // (4 * BYTES_PER_CHAR_WORKING * blocks_in_flight())
    return int(min(max(share, MIN_CHUNK_BYTES), 32 << 20))


@dataclass
class _Segment:
    """A run of keys in a partition file (not sorted as a whole), stored with the id width it was packed with."""

    offset: int
    rows: int
    bits: int


@dataclass
class _Partition:
    """Keys whose first unit falls in one range: some in memory, the rest in a file."""

    path: str
    held: list[tuple[np.ndarray, int]] = field(default_factory=list)  # (sorted keys, bits)
    held_bytes: int = 0
    segments: list[_Segment] = field(default_factory=list)
    size: int = 0


class WindowStore:
    """Sorted keys in range partitions on their first unit, in memory up to a budget, on disk beyond it.

    Sorting one partition at a time is faster than one sort of everything (it stays in
    cache) and bounds the memory of the final merge.
    """

    def __init__(
        self, layout: KeyLayout, hold_bytes: int, tmpdir: str, partitions_hint: int, name: str = "windows"
    ) -> None:
        self.name = name
        self.layout = layout
        self.hold_bytes = hold_bytes
        self.tmpdir = tmpdir
        self.partitions_hint = partitions_hint
        self._held_bytes = 0
        self._bounds: np.ndarray | None = None  # first-unit boundaries of the partitions
        self._parts: list[_Partition] = []

    @property
    def spilled(self) -> bool:
        return any(part.segments for part in self._parts)

    def add(self, sorted_keys: np.ndarray, bits: int | None = None) -> None:
        """Store sorted keys packed with ``bits``-bit ids (default: the current layout's)."""
        if len(sorted_keys) == 0:
            return
        bits = bits or self.layout.bits
        if self._bounds is None:
            self._bounds = self._choose_bounds(sorted_keys, bits)
            self._parts = [
                _Partition(os.path.join(self.tmpdir, f"{self.name}{i:04d}.bin")) for i in range(len(self._bounds) + 1)
            ]
        cuts = np.searchsorted(KeyLayout(self.layout.order, bits).unit(sorted_keys, 0), self._bounds, side="left")
        edges = np.concatenate(([0], cuts, [len(sorted_keys)]))
        for part, lo, hi in zip(self._parts, edges[:-1], edges[1:], strict=True):
            if hi > lo:
                piece = sorted_keys[lo:hi]
                part.held.append((piece, bits))
                part.held_bytes += piece.nbytes
                self._held_bytes += piece.nbytes
        if self._held_bytes > self.hold_bytes:
            # Spill every partition: held pieces are views of whole chunks, freed only together.
            for part in self._parts:
                self._spill(part)

    def widen(self, layout: KeyLayout) -> None:
        """Switch to a layout with wider ids; keys already stored are repacked when read."""
        self.layout = layout

    def _repack(self, keys: np.ndarray, bits: int) -> np.ndarray:
        if bits == self.layout.bits:
            return keys
        old = KeyLayout(self.layout.order, bits)
        return self.layout.pack(old.unpack(keys))

    def _spill(self, part: _Partition) -> None:
        """Append the held keys to the partition's file, one segment per id width: a write per
        piece would make the calls grow with blocks × partitions, both in proportion to the input."""
        with open(part.path, "ab") as handle:
            for bits in dict.fromkeys(bits for _, bits in part.held):
                keys = np.concatenate([keys for keys, width in part.held if width == bits])
                keys.tofile(handle)
                part.segments.append(_Segment(part.size, len(keys), bits))
                part.size += keys.nbytes
        self._held_bytes -= part.held_bytes
        part.held.clear()
        part.held_bytes = 0

    def _choose_bounds(self, sorted_keys: np.ndarray, bits: int) -> np.ndarray:
        """Partition boundaries on the first unit id, from quantiles of a sample of ``bits``-bit keys."""
        layout = KeyLayout(self.layout.order, bits)  # the keys may predate a widening of self.layout
        firsts = layout.unit(sorted_keys[:: max(1, len(sorted_keys) // 65536)], 0)
        quantiles = np.quantile(firsts, np.linspace(0, 1, max(2, self.partitions_hint) + 1)[1:-1])
        # A boundary b sends first units < b to the left; keep them distinct and above 1.
        return np.unique(np.maximum(np.ceil(quantiles).astype(np.uint64) + np.uint64(1), np.uint64(2)))

    def _read(self, part: _Partition) -> list[np.ndarray]:
        arrays = []
        if part.segments:
            with open(part.path, "rb") as handle:
                for seg in part.segments:
                    words = KeyLayout(self.layout.order, seg.bits).words
                    handle.seek(seg.offset)
                    raw = np.fromfile(handle, dtype=np.uint64, count=seg.rows * words)
                    arrays.append(self._repack(raw if words == 1 else raw.reshape(seg.rows, words), seg.bits))
            os.unlink(part.path)
        arrays.extend(self._repack(keys, bits) for keys, bits in part.held)
        part.held.clear()
        return arrays

    def map_sorted(self, func: Callable[[np.ndarray], R], workers: int | None = None) -> Iterator[R]:
        """``func`` of every partition's sorted keys, in key order; partitions are read here and
        sorted on ``workers`` threads (:func:`ordered_map`: a few partitions in memory at once)."""
        for result in ordered_map(lambda keys: func(self.layout.sort(keys)), self._partition_keys(), workers):
            yield result
            release_free_memory()

    def counted_partitions(self, workers: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every partition's distinct keys and how often each was stored; partitions in key order."""
        return self.map_sorted(count_runs, workers)

    def _partition_keys(self) -> Iterator[np.ndarray]:
        for part in self._parts:
            keys = self.layout.concat(self._read(part))
            self._held_bytes -= part.held_bytes
            part.held_bytes = 0
            yield keys


def aggregate(windows: np.ndarray, layout: KeyLayout, min_count: int = 1) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Counts of every k-gram (k = 1..order) from sorted windows: ``{k: (sorted keys, counts)}``.

    Unigrams are all kept; longer n-grams only when seen at least ``min_count`` times.
    """
    result = {}
    for k in range(layout.order, 0, -1):
        keys, counts = count_runs(layout.prefix(windows, k))
        valid = layout.unit(keys, k - 1) != 0
        if k > 1 and min_count > 1:
            valid &= counts >= min_count
        result[k] = (keys[valid], counts[valid])
    return result


class NgramCounter:
    """Counts all 1..order-grams of streamed text exactly, within a memory budget.

    The budget is shared out: sorted windows held in memory up to a quarter of it, the chunks
    being turned into windows a quarter (:func:`chunk_bytes_for`), the corpus ids kept for a
    second pass (``keep_ids``) an eighth; merging sorts partitions of at most memory/32 together
    (one per thread, and one being read). Use as a context manager so that temporary files are
    removed on any exit, Ctrl-C included. Call :meth:`add` with consecutive pieces of text (they may end anywhere, even
    inside a fragment), then iterate :meth:`partitions`.
    """

    def __init__(
        self,
        order: int = 4,
        latin: LatinMode = "split",
        memory: int = 1 << 30,
        tmpdir: str | None = None,
        input_bytes: int | None = None,
        keep_ids: bool = False,
        vocab: CharVocab | None = None,
    ) -> None:
        """``vocab``: a fixed vocabulary that holds every character of the text (a worker of a
        cluster counts with the ids of the whole corpus); by default ids are assigned as met."""
        between("order", order, 1, MAX_ORDER)
        one_of("latin", latin, ("split", "drop"))
        check_memory(memory, MIN_COUNTER_MEMORY)
        self.order = order
        self.latin = latin
        self.memory = memory
        self._grow = vocab is None
        self.vocab = CharVocab() if vocab is None else vocab
        self.layout = layout_for(order, len(self.vocab))
        self.chars = 0
        self._carry = ""
        self._tmp = tempfile.mkdtemp(prefix="nlptk-count-", dir=tmpdir)
        # Windows of one partition in at most memory/32 shared by the partitions sorted at once (its
        # counts of all orders can take ~8 times as much) and 32 MB (cache-friendly sorts); about 8
        # bytes of windows per input byte at most.
        target = max(min(memory // (32 * (default_workers() + 1)), 32 << 20), 1 << 16)
        hint = 64 if input_bytes is None else -(-input_bytes * 4 * self.layout.words // target)
        self._store = WindowStore(self.layout, memory // 4, self._tmp, max(2, hint))
        self.id_blocks = IdBlocks(memory // 8, self._tmp) if keep_ids else None

    def __enter__(self) -> NgramCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def tmpdir(self) -> str:
        return self._tmp

    def add(self, text: str, final: bool = False) -> None:
        """Count the windows that start in ``text`` and whose look-ahead is already known."""
        self._store.add(*_sorted_windows(self._encode(text, final)))

    def add_all(self, chunks: Iterable[str]) -> None:
        """Count consecutive chunks of text to the end; windows are built on worker threads."""
        encoded = (self._encode(chunk) for chunk in itertools.chain(chunks, [None]))
        for keys, bits in ordered_map(_sorted_windows, encoded):
            self._store.add(keys, bits)

    def _encode(self, text: str | None, final: bool = False) -> tuple[np.ndarray, int, KeyLayout]:
        """Ids of the carried-over text plus ``text`` (None: the end) and how many positions start windows."""
        final = final or text is None
        buf = self._carry + (text or "")
        ids = encode_fragments(buf, self.vocab, self.latin, grow=self._grow)
        if len(self.vocab) > self.layout.max_id + 1:
            self.layout = layout_for(self.order, len(self.vocab))
            self._store.widen(self.layout)
        starts = len(buf) if final else max(0, len(buf) - (self.order - 1))
        if self.id_blocks is not None and starts:
            self.id_blocks.add(ids[:starts])
        self.chars += starts
        self._carry = buf[starts:]
        return ids, starts, self.layout

    def partitions(self, min_count: int = 1) -> Iterator[dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Counts per partition, ``{k: (sorted keys, counts)}`` (see :func:`aggregate`).

        Partitions split the key space by first unit, so the k-grams sharing a prefix are in one.
        """
        if self._carry:
            self.add("", final=True)
        yield from self._store.map_sorted(lambda windows: aggregate(windows, self.layout, min_count))


def _sorted_windows(encoded: tuple[np.ndarray, int, KeyLayout]) -> tuple[np.ndarray, int]:
    ids, starts, layout = encoded
    if not starts:
        return layout.empty(), layout.bits
    return layout.sort(layout.windows(ids, starts)), layout.bits


class IdBlocks:
    """The corpus as unit-id arrays, kept for a second pass (in memory, or on disk beyond a budget)."""

    def __init__(self, hold_bytes: int, tmpdir: str) -> None:
        self.hold_bytes = hold_bytes
        self._held: list[np.ndarray] = []
        self._held_bytes = 0
        self._path = os.path.join(tmpdir, "ids.bin")
        self._disk: list[tuple[int, int, str]] = []  # (offset, length, dtype)
        self._size = 0

    def add(self, ids: np.ndarray) -> None:
        compact = ids.astype(np.uint16) if len(ids) and ids.max() <= 0xFFFF else ids.astype(np.uint32)
        if self._disk or self._held_bytes + compact.nbytes > self.hold_bytes:
            with open(self._path, "ab") as handle:
                handle.write(compact.tobytes())
            self._disk.append((self._size, len(compact), compact.dtype.str))
            self._size += compact.nbytes
        else:
            self._held.append(compact)
            self._held_bytes += compact.nbytes

    def __iter__(self) -> Iterator[np.ndarray]:
        yield from self._held
        if self._disk:
            with open(self._path, "rb") as handle:
                for offset, length, dtype in self._disk:
                    handle.seek(offset)
                    yield np.fromfile(handle, dtype=np.dtype(dtype), count=length)
