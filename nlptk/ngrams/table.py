"""``NgramTable``: a saved table of n-gram counts with lookup and prefix iteration.

The file holds, for each order k, the sorted packed keys of all k-grams and their counts,
memory-mapped on load, so opening a table of tens of millions of n-grams is instant and a
lookup is one binary search. This plays the part of a marisa RecordTrie (which we measured at
about 1.5 µs per key to build: too slow for a counter meant to run at tens of MB/s) with the
same operations: ``table["中国"]``, ``table.items(prefix="中")``.

Layout: ``NLPTKNG1`` magic, a little-endian uint64 header length, a JSON header (order,
key layout, vocabulary, array offsets), then the arrays, each aligned to 64 bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import get_args

import numpy as np

from nlptk.checks import at_least, between, one_of
from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, atomic_directory_file
from nlptk.ngrams.keys import MAX_ORDER, WIDE_BITS, KeyLayout
from nlptk.progress import NoProgress, Progress
from nlptk.text import CharVocab

MAGIC = b"NLPTKNG1"
ALIGN = 64
LIST_BLOCK = 1 << 16  # n-grams sorted and written at a time when listing


class NgramTable:
    """Counts of all 1..order-grams of a corpus."""

    def __init__(
        self,
        layout: KeyLayout,
        vocab: CharVocab,
        keys: dict[int, np.ndarray],
        counts: dict[int, np.ndarray],
        meta: dict | None = None,
    ) -> None:
        self.layout = layout
        self.vocab = vocab
        self.keys = keys
        self.counts = counts
        self.meta = meta or {}
        self._units = vocab.unit_array()

    @property
    def order(self) -> int:
        return self.layout.order

    @property
    def total(self) -> int:
        """Number of characters counted (the sum of unigram counts)."""
        return int(self.counts[1].sum()) if 1 in self.counts else 0

    def __len__(self) -> int:
        return sum(len(k) for k in self.keys.values())

    def encode(self, ngram: str) -> np.ndarray | None:
        """The packed key of ``ngram``, or None if it has a character never seen."""
        if not 1 <= len(ngram) <= self.order:
            return None
        ids = [self.vocab.id(ch) for ch in ngram]
        if 0 in ids:
            return None
        return self.layout.pack(np.array([ids], dtype=np.uint32))

    def __getitem__(self, ngram: str) -> int:
        """The count of ``ngram`` (0 if it never occurs)."""
        key = self.encode(ngram)
        if key is None:
            return 0
        index, found = self.layout.search(self.keys[len(ngram)], key)
        return int(self.counts[len(ngram)][index[0]]) if found[0] else 0

    def decode(self, keys: np.ndarray, k: int) -> list[str]:
        """The strings of k-gram keys."""
        cps = self._code_points(keys, k)
        return np.ascontiguousarray(cps).view(f"<U{k}").ravel().tolist()

    def _code_points(self, keys: np.ndarray, k: int) -> np.ndarray:
        """The ``(n, k)`` code points of k-gram keys."""
        ids = self.layout.unpack(keys, k)
        if len(ids) and ids.max() >= len(self._units):
            raise NlptkError("damaged n-gram table: a key holds a character id past the vocabulary; count it again")
        return self._units[ids]

    def items(self, prefix: str = "", order: int | None = None, min_count: int = 1) -> Iterator[tuple[str, int]]:
        """``(ngram, count)`` for the n-grams starting with ``prefix``, shortest first.

        Within one length the n-grams come in code-point order of their strings, so a listing
        does not depend on how the table was counted (ids follow the order characters were met in).
        """
        if order is not None:
            between("order", order, 1, self.order)
        at_least("min_count", min_count, 1)
        return self._items(prefix, order, min_count)

    def _items(self, prefix: str, order: int | None, min_count: int) -> Iterator[tuple[str, int]]:
        orders = [order] if order else range(max(1, len(prefix)), self.order + 1)
        lo_key = self.encode(prefix) if prefix else None
        if prefix and lo_key is None:
            return
        for k in orders:
            if k < len(prefix) or k not in self.keys:
                continue
            keys, counts = self.keys[k], self.counts[k]
            if lo_key is not None:
                lo, hi = self._prefix_range(keys, lo_key, len(prefix))
                blocks: Iterator[tuple[np.ndarray, np.ndarray]] = iter([(keys[lo:hi], counts[lo:hi])])
            else:
                blocks = self._first_unit_groups(keys, counts)
            for block_keys, block_counts in blocks:
                block_keys, block_counts = np.asarray(block_keys), np.asarray(block_counts)
                selected = block_counts >= min_count
                block_keys, block_counts = self._in_text_order(block_keys[selected], block_counts[selected], k)
                for start in range(0, len(block_keys), LIST_BLOCK):
                    part = slice(start, start + LIST_BLOCK)
                    yield from zip(self.decode(block_keys[part], k), block_counts[part].tolist(), strict=True)

    def _prefix_range(self, keys: np.ndarray, lo_key: np.ndarray, length: int) -> tuple[int, int]:
        """The index range of the keys that start with the ``length``-unit prefix ``lo_key``."""
        hi_key = _prefix_upper(self.layout, lo_key, length)
        lo = int(self.layout.search(keys, lo_key)[0][0])
        if self.layout.words == 1:
            return lo, int(np.searchsorted(keys, hi_key, side="right")[0])
        return lo, _wide_upper(self.layout, keys, hi_key)

    def _first_unit_groups(self, keys: np.ndarray, counts: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Keys and counts in blocks of whole first-unit groups, the groups in code-point order."""
        n_ids = len(self._units)
        firsts = np.zeros((n_ids + 1, 1), dtype=np.uint32)
        firsts[:, 0] = np.minimum(np.arange(n_ids + 1), self.layout.max_id)
        bounds = self.layout.search(keys, self.layout.pack(firsts))[0].tolist()
        bounds[n_ids] = len(keys)  # the group of the last id ends with the array
        pending: list[tuple[int, int]] = []
        rows = 0
        for unit_id in (np.argsort(self._units[1:], kind="stable") + 1).tolist():
            lo, hi = bounds[unit_id], bounds[unit_id + 1]
            if hi > lo:
                pending.append((lo, hi))
                rows += hi - lo
            if rows >= LIST_BLOCK:
                yield self._gather(keys, counts, pending)
                pending, rows = [], 0
        if pending:
            yield self._gather(keys, counts, pending)

    def _gather(
        self, keys: np.ndarray, counts: np.ndarray, ranges: list[tuple[int, int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        return (
            self.layout.concat([np.asarray(keys[lo:hi]) for lo, hi in ranges]),
            np.concatenate([np.asarray(counts[lo:hi]) for lo, hi in ranges]),
        )

    def _in_text_order(self, keys: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys (and their counts) sorted by the code points of their units instead of their ids."""
        if len(keys) < 2:
            return keys, counts
        layout = KeyLayout(self.layout.order, max(self.layout.bits, WIDE_BITS))  # code points fit 21 bits
        by_text = layout.pack(self._code_points(keys, k))
        rank = np.argsort(by_text, kind="stable") if layout.words == 1 else np.lexsort(by_text.T[::-1])
        return keys[rank], counts[rank]

    def save(self, path: str | os.PathLike[str]) -> None:
        with TableWriter(path, self.layout, self.vocab, self.meta) as writer:
            for k in sorted(self.keys):
                writer.add(k, self.keys[k], self.counts[k])

    @staticmethod
    def is_table(path: str | os.PathLike[str]) -> bool:
        """Whether the file at ``path`` is a table written by ``nlptk count`` (told by its first bytes)."""
        try:
            with open(path, "rb") as handle:
                return handle.read(len(MAGIC)) == MAGIC
        except OSError as exc:
            raise NlptkError(f"{path}: {exc.strerror or exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NgramTable:
        """Open a saved table; arrays are memory-mapped, not read. A damaged file is a clear error."""
        try:
            with open(path, "rb") as handle:
                magic = handle.read(len(MAGIC))
                if magic != MAGIC:
                    raise NlptkError(f"{path}: not an nlptk n-gram table (made by 'nlptk count')")
                (length,) = struct.unpack("<Q", handle.read(8))
                size = os.path.getsize(path)
                if length > size:
                    raise NlptkError(f"{path}: damaged or truncated n-gram table (header past the end); count it again")
                header = json.loads(handle.read(length).decode("utf-8"))
        except (OSError, ValueError, struct.error) as exc:
            raise NlptkError(f"{path}: cannot read n-gram table ({exc})") from None
        try:
            layout, vocab, specs = _check_header(header, size)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise NlptkError(f"{path}: damaged or truncated n-gram table ({exc}); count it again") from None
        keys, counts = {}, {}
        for k, spec in specs.items():
            for name, target in (("keys", keys), ("counts", counts)):
                dtype, shape, offset = spec[name]
                target[k] = (
                    np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
                    if shape[0]
                    else np.zeros(shape, dtype=dtype)
                )
        return cls(layout, vocab, keys, counts, header.get("meta", {}))


def _check_header(header: dict, size: int) -> tuple[KeyLayout, CharVocab, dict[int, dict]]:
    """The layout, vocabulary and array specs ``{k: {name: (dtype, shape, offset)}}`` of a header,
    checked against the file size; ``ValueError`` (or ``KeyError``, ``TypeError``) when they do not fit."""
    order, bits = int(header["order"]), int(header["bits"])
    if not 1 <= order <= MAX_ORDER or not 1 <= bits <= 32:
        raise ValueError(f"order {order} or bits {bits} out of range")
    layout = KeyLayout(order, bits)
    units = header["vocab"]
    if not isinstance(units, list) or not all(isinstance(u, str) and len(u) == 1 for u in units):
        raise ValueError("the vocabulary is not a list of characters")
    specs: dict[int, dict] = {}
    for k_text, entry in header["arrays"].items():
        k = int(k_text)
        if not 1 <= k <= order:
            raise ValueError(f"arrays of {k}-grams in a table of order {order}")
        specs[k] = {}
        for name in ("keys", "counts"):
            spec = entry[name]
            dtype, shape, offset = np.dtype(spec["dtype"]), tuple(int(n) for n in spec["shape"]), int(spec["offset"])
            wide = name == "keys" and layout.words > 1
            if shape[1:] != ((layout.words,) if wide else ()) or shape[0] < 0 or offset < 0:
                raise ValueError(f"{name} of {k}-grams have shape {list(shape)}")
            if offset + int(np.prod(shape)) * dtype.itemsize > size:
                raise ValueError(f"{name} of {k}-grams end past the end of the file ({size:,} bytes)")
            specs[k][name] = (dtype, shape, offset)
        if specs[k]["keys"][1][0] != specs[k]["counts"][1][0]:
            raise ValueError(f"{k}-grams have a different number of keys and counts")
    return layout, CharVocab(units), specs


def _prefix_upper(layout: KeyLayout, key: np.ndarray, length: int) -> np.ndarray:
    """The largest key that starts with the ``length``-unit prefix ``key``."""
    units = layout.unpack(key)
    units[:, length:] = layout.max_id
    return layout.pack(units)


def _wide_upper(layout: KeyLayout, keys: np.ndarray, hi_key: np.ndarray) -> int:
    index, found = layout.search(keys, hi_key)
    return int(index[0]) + int(found[0])


class TableWriter:
    """Writes a table order by order, spooling arrays to temporary files, then assembles it atomically."""

    def __init__(
        self, path: str | os.PathLike[str], layout: KeyLayout, vocab: CharVocab, meta: dict | None = None
    ) -> None:
        self.path = Path(path)
        self.layout = layout
        self.vocab = vocab
        self.meta = meta or {}
        self._tmp = tempfile.mkdtemp(prefix="nlptk-table-", dir=self.path.parent if str(self.path.parent) else ".")
        self._rows: dict[int, int] = {}
        self._max_count: dict[int, int] = {}

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None:
                self._assemble()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def add(self, k: int, keys: np.ndarray, counts: np.ndarray) -> None:
        """Append sorted k-gram keys and counts (calls for one k must come in key order)."""
        with open(os.path.join(self._tmp, f"keys{k}"), "ab") as handle:
            handle.write(np.ascontiguousarray(keys, dtype=np.uint64).tobytes())
        with open(os.path.join(self._tmp, f"counts{k}"), "ab") as handle:
            handle.write(np.ascontiguousarray(counts, dtype=np.int64).tobytes())
        self._rows[k] = self._rows.get(k, 0) + len(keys)
        if len(counts):
            self._max_count[k] = max(self._max_count.get(k, 0), int(np.max(counts)))

    def _assemble(self) -> None:
        arrays: dict[str, dict] = {}
        plan: list[tuple[str, str, np.dtype]] = []
        offset = 0
        for k in range(1, self.layout.order + 1):
            rows = self._rows.get(k, 0)
            count_dtype = np.dtype("<u4") if self._max_count.get(k, 0) < 2**32 else np.dtype("<i8")
            key_shape = [rows] if self.layout.words == 1 else [rows, self.layout.words]
            entry = {}
            for name, dtype, shape in (("keys", np.dtype("<u8"), key_shape), ("counts", count_dtype, [rows])):
                nbytes = int(np.prod(shape)) * dtype.itemsize
                entry[name] = {"dtype": dtype.str, "shape": shape, "offset": offset}
                plan.append((f"{name}{k}", name, dtype))
                offset += -(-nbytes // ALIGN) * ALIGN
            arrays[str(k)] = entry
        header = {
            "format": "nlptk-ngrams",
            "version": 1,
            "order": self.layout.order,
            "bits": self.layout.bits,
            "vocab": self.vocab.to_list(),
            "meta": self.meta,
            "arrays": arrays,
        }
        # Offsets so far are relative to the data start; fix them once the header size is known.
        body = json.dumps(header, ensure_ascii=False).encode("utf-8")
        start = -(-(len(MAGIC) + 8 + len(body) + 1024) // ALIGN) * ALIGN
        for entry in arrays.values():
            for spec in entry.values():
                spec["offset"] += start
        body = json.dumps(header, ensure_ascii=False).encode("utf-8")
        with atomic_directory_file(self.path) as tmp_path, open(tmp_path, "wb") as out:
            out.write(MAGIC + struct.pack("<Q", len(body)) + body)
            for file_name, name, dtype in plan:
                k = file_name.removeprefix(name)
                spec = arrays[k][name]
                out.seek(spec["offset"])
                source = os.path.join(self._tmp, file_name)
                if not os.path.exists(source):
                    continue
                if name == "keys":
                    with open(source, "rb") as handle:
                        shutil.copyfileobj(handle, out, 1 << 22)
                else:
                    with open(source, "rb") as handle:
                        while block := handle.read(1 << 23):
                            out.write(np.frombuffer(block, dtype=np.int64).astype(dtype).tobytes())
            out.truncate(max(out.tell(), start))


def count_to_table(
    inputs: list[str],
    path: str | os.PathLike[str],
    order: int = 4,
    min_count: int = 1,
    latin: str = "split",
    memory: int = 1 << 30,
    encoding_errors: str = "strict",
    progress: Progress | None = None,
    cluster: str | None = None,
) -> dict:
    """Count all 1..order-grams of ``inputs`` and write the table to ``path``; returns a summary.

    ``cluster``: a Dask scheduler's address or ``local:N`` (:mod:`nlptk.cluster`), where
    ``memory`` is each worker's; the table is the same, byte for byte.
    """
    from nlptk.io import read_chunks, resolve_inputs
    from nlptk.ngrams.counting import NgramCounter, check_memory, chunk_bytes_for

    between("order", order, 1, MAX_ORDER)  # before any input is read
    at_least("min_count", min_count, 1)
    check_memory(memory)
    one_of("encoding_errors", encoding_errors, get_args(EncodingErrors))
    progress = progress or NoProgress()
    if cluster is not None:
        from nlptk.cluster.counting import count_table_on_cluster

        return count_table_on_cluster(cluster, inputs, path, order, min_count, latin, memory, encoding_errors, progress)  # type: ignore[arg-type]
    sources = resolve_inputs(inputs)
    sizes = [s.size() for s in sources]
    input_bytes = None if None in sizes else sum(s for s in sizes if s is not None)
    with NgramCounter(order, latin, memory, input_bytes=input_bytes) as counter:  # type: ignore[arg-type]
        progress.stage("counting", input_bytes)
        counter.add_all(read_chunks(sources, chunk_bytes_for(memory), encoding_errors, progress.advance))  # type: ignore[arg-type]
        check_counted(len(counter.vocab))
        progress.stage("merging")
        return write_table(
            path, counter.layout, counter.vocab, counter.chars, counter.partitions(min_count), sources, latin, min_count
        )


def check_counted(vocab_size: int) -> None:
    if vocab_size <= 1:  # no character inside a fragment: empty, or only punctuation/spaces
        raise NlptkError("the input holds no text to count (empty, or no Chinese characters, letters or digits)")


def write_table(
    path: str | os.PathLike[str],
    layout: KeyLayout,
    vocab: CharVocab,
    chars: int,
    partitions: Iterable[dict[int, tuple[np.ndarray, np.ndarray]]],
    sources: list,
    latin: str,
    min_count: int,
) -> dict:
    """Write counted partitions (in key order) as a table; returns the summary of the count."""
    meta = {"inputs": [s.name for s in sources], "chars": chars, "latin": latin, "min_count": min_count}
    ngrams: dict[int, int] = {}
    with TableWriter(path, layout, vocab, meta) as writer:
        for partition in partitions:
            for k, (keys, counts) in sorted(partition.items()):
                writer.add(k, keys, counts)
                ngrams[k] = ngrams.get(k, 0) + len(keys)
    return {"chars": chars, "ngrams": dict(sorted(ngrams.items()))}
