"""A vectorised hash set of uint64 keys: membership of millions of queries in a few gathers.

Open addressing with linear probing in a power-of-two table at most 1/4 full; 0 marks an
empty slot, so 0 itself is never a member (packed n-gram keys are never 0). Building and
probing proceed in rounds over all still-unresolved keys at once, so no Python loop runs
per key. Binary search over the same keys costs several times more per query.
"""

from __future__ import annotations

import numpy as np

from nlptk.ngrams.hashing import GOLDEN_MULTIPLIER


class KeySet:
    """Members are distinct non-zero uint64 keys; :meth:`index` gives their position in the input."""

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        bits = max(10, int(4 * max(len(keys), 1) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        self._mask = np.int64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._values = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.flatnonzero(keys)
        slots = self._slots(keys[pending])
        while len(pending):
            candidates = np.flatnonzero(self._keys[slots] == 0)
            # Several keys may aim at one free slot: one of them takes it (the last written), and
            # the others see another key there and probe on.
            aimed, offered = slots[candidates], keys[pending[candidates]]
            self._keys[aimed] = offered
            placed = candidates[self._keys[aimed] == offered]
            self._values[slots[placed]] = pending[placed]
            waiting = np.ones(len(pending), dtype=bool)
            waiting[placed] = False
            pending = pending[waiting]
            slots = (slots[waiting] + 1) & self._mask
        self.size = int(np.count_nonzero(keys))

    def __len__(self) -> int:
        return self.size

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * GOLDEN_MULTIPLIER) >> self._shift).astype(np.int64)

    def index(self, queries: np.ndarray) -> np.ndarray:
        """For each query, its position in the keys the set was built from, or -1."""
        queries = np.asarray(queries, dtype=np.uint64)
        result = np.full(len(queries), -1, dtype=np.int64)
        active = np.flatnonzero(queries)
        slots = self._slots(queries[active])
        while len(active):
            stored = self._keys[slots]
            hit = stored == queries[active]
            result[active[hit]] = self._values[slots[hit]]
            going_on = (stored != 0) & ~hit
            active = active[going_on]
            slots = (slots[going_on] + 1) & self._mask
        return result

    def contains(self, queries: np.ndarray) -> np.ndarray:
        """True where a query is a member."""
        return self.index(queries) >= 0
