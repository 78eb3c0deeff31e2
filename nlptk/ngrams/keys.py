"""N-grams of unit ids packed into unsigned 64-bit words that sort lexicographically.

A key holds up to ``order`` unit ids of ``bits`` bits each, most significant first, with
zeros after the last unit, so the k-gram ``abc`` padded as ``abc0`` sorts right before its
extensions ``abcx``. Keys that fit one word are a 1-D ``uint64`` array (the fast path:
numpy's vectorised sort); wider ones are a 2-D ``(n, words)`` array sorted with lexsort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ORDER = 8  # the longest n-grams counted
DEFAULT_BITS = 16
WIDE_BITS = 21  # enough for any code point, so a vocabulary of characters never overflows


@dataclass(frozen=True)
class KeyLayout:
    """Where each of ``order`` unit ids of ``bits`` bits sits inside the key words."""

    order: int
    bits: int

    @property
    def per_word(self) -> int:
        return 64 // self.bits

    @property
    def words(self) -> int:
        return -(-self.order // self.per_word)

    @property
    def max_id(self) -> int:
        return (1 << self.bits) - 1

    def slot(self, j: int) -> tuple[int, int]:
        """The word index and bit shift of the j-th unit (0-based)."""
        return j // self.per_word, (self.per_word - 1 - j % self.per_word) * self.bits

    def empty(self) -> np.ndarray:
        return np.zeros((0,) if self.words == 1 else (0, self.words), dtype=np.uint64)

    def pack(self, units: np.ndarray) -> np.ndarray:
        """Keys from an ``(n, k)`` array of unit ids, k ≤ order (missing units are 0)."""
        n, k = units.shape
        keys = np.zeros((n, self.words), dtype=np.uint64)
        for j in range(k):
            word, shift = self.slot(j)
            keys[:, word] |= units[:, j].astype(np.uint64) << np.uint64(shift)
        return keys[:, 0] if self.words == 1 else keys

    def unpack(self, keys: np.ndarray, k: int | None = None) -> np.ndarray:
        """The ``(n, k)`` unit ids of keys (default k = order)."""
        k = self.order if k is None else k
        wide = keys.reshape(len(keys), self.words)
        mask = np.uint64(self.max_id)
        units = np.empty((len(keys), k), dtype=np.uint32)
        for j in range(k):
            word, shift = self.slot(j)
            units[:, j] = (wide[:, word] >> np.uint64(shift)) & mask
        return units

    def unit(self, keys: np.ndarray, j: int) -> np.ndarray:
        """The j-th unit id of every key."""
        word, shift = self.slot(j)
        column = keys if self.words == 1 else keys[:, word]
        return (column >> np.uint64(shift)) & np.uint64(self.max_id)

    def prefix(self, keys: np.ndarray, k: int) -> np.ndarray:
        """Keys cut to their first ``k`` units (the rest zeroed); sorted input stays sorted."""
        if k >= self.order:
            return keys
        word, shift = self.slot(k - 1)
        if self.words == 1:
            return keys & ~np.uint64((1 << shift) - 1)
        out = keys.copy()
        out[:, word] &= ~np.uint64((1 << shift) - 1)
        out[:, word + 1 :] = 0
        return out

    def windows(self, ids: np.ndarray, starts: int | None = None) -> np.ndarray:
        """The key of the window of ``order`` units starting at every non-zero position.

        ``ids`` holds 0 between fragments; units after the first 0 of a window are zeroed.
        Only positions ``< starts`` (default: all) are window starts.
        """
        limit = len(ids) if starts is None else starts
        order = self.order
        # Units of the window at i that lie before the next 0: min(distance to it, order).
        kept = np.full(limit, order, dtype=np.uint8)
        zeros = np.append(np.flatnonzero(ids[: limit + order] == 0), len(ids))
        for distance in range(order - 1, 0, -1):
            before = zeros - distance
            before = before[(before >= 0) & (before < limit)]
            kept[before] = distance
        starts_at = np.flatnonzero(ids[:limit])
        masks = np.stack([self.prefix_mask(length) for length in range(order + 1)])
        kept = kept[starts_at]
        if self.bits == 16 and self.words == 1:
            # Four consecutive big-endian uint16 ids read as one big-endian uint64: all windows at once.
            big = np.zeros(limit + 3, dtype=">u2")
            big[: min(len(ids), limit + 3)] = ids[: limit + 3]
            keys = np.ndarray((limit,), dtype=">u8", buffer=big, strides=(2,))[starts_at].astype(np.uint64)
            keys &= masks[:, 0][kept]
            return keys
        padded = np.zeros(limit + order, dtype=np.uint64)
        padded[: min(len(ids), limit + order)] = ids[: limit + order]
        keys = np.zeros((len(starts_at), self.words), dtype=np.uint64)
        for j in range(order):
            word, shift = self.slot(j)
            keys[:, word] |= padded[starts_at + j] << np.uint64(shift)
        keys &= masks[kept]
        return keys[:, 0] if self.words == 1 else keys

    def prefix_mask(self, k: int) -> np.ndarray:
        """The word masks that keep the first ``k`` units of a key."""
        mask = np.zeros(self.words, dtype=np.uint64)
        for j in range(k):
            word, shift = self.slot(j)
            mask[word] |= np.uint64(self.max_id) << np.uint64(shift)
        return mask

    def sort(self, keys: np.ndarray) -> np.ndarray:
        """Keys in lexicographic order (1-D keys are sorted in place)."""
        if self.words == 1:
            keys.sort()
            return keys
        return keys[np.lexsort(keys.T[::-1])]

    def sort_order(self, keys: np.ndarray) -> np.ndarray:
        """The permutation that sorts ``keys`` (stable)."""
        if self.words == 1:
            return np.argsort(keys, kind="stable")
        return np.lexsort(keys.T[::-1])

    def concat(self, parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else self.empty()

    def search(self, sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query its index in ``sorted_keys`` and whether it is present there."""
        if self.words == 1:
            index = np.searchsorted(sorted_keys, queries)
            found = index < len(sorted_keys)
            found[found] = sorted_keys[index[found]] == queries[found]
            return index, found
        joined = _as_void(sorted_keys)
        wanted = _as_void(queries)
        index = np.searchsorted(joined, wanted)
        found = index < len(joined)
        found[found] = joined[index[found]] == wanted[found]
        return index, found


def _as_void(keys: np.ndarray) -> np.ndarray:
    """Wide keys as big-endian byte strings, which compare like the keys."""
    big = np.ascontiguousarray(keys.astype(">u8"))
    return big.view(f"S{8 * keys.shape[1]}").ravel()


def run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Indices where a new value starts in a sorted key array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, dtype=np.int64)
    if sorted_keys.ndim == 1:
        change = sorted_keys[1:] != sorted_keys[:-1]
    else:
        change = (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)
    return np.concatenate(([0], np.flatnonzero(change) + 1))


def count_runs(sorted_keys: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys of a sorted array and how often each occurs (or the sum of ``weights``)."""
    starts = run_starts(sorted_keys)
    if weights is None:
        counts = np.diff(np.append(starts, len(sorted_keys))).astype(np.int64)
    else:
        counts = np.add.reduceat(weights, starts) if len(starts) else np.zeros(0, dtype=np.int64)
    return sorted_keys[starts], counts.astype(np.int64)


def sum_counts(layout: KeyLayout, keys: list[np.ndarray], counts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Counted keys from several sources merged: each distinct key once, in order, its counts summed."""
    joined = layout.concat(keys)
    if not len(joined):
        return joined, np.zeros(0, dtype=np.int64)
    order = layout.sort_order(joined)
    return count_runs(joined[order], np.concatenate(counts).astype(np.int64)[order])


def layout_for(order: int, vocab_size: int) -> KeyLayout:
    """The narrowest layout that holds ids below ``vocab_size``."""
    bits = DEFAULT_BITS if vocab_size <= (1 << DEFAULT_BITS) else max(WIDE_BITS, (vocab_size - 1).bit_length())
    return KeyLayout(order, bits)
