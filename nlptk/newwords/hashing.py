"""64-bit hashes of packed keys and of pieces longer than one key."""

from __future__ import annotations

import numpy as np

from nlptk.ngrams.keys import KeyLayout

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)

_MIX2 = np.uint64(0x94D049BB133111EB)


def mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijective scramble of 64-bit values."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def row_hash(keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each key (rows of wide keys are chained)."""
    if keys.ndim == 1:
        return mix(keys)
    h = np.zeros(len(keys), dtype=np.uint64)
    for column in keys.T:
        h = mix(h ^ column)
    return h


def pair_prefix(hashes: np.ndarray, layout: KeyLayout) -> np.ndarray:
    """Piece hashes with their low ``bits`` cleared, to be or-ed with a neighbour id."""
    bits = np.uint64(layout.bits)
    return hashes >> bits << bits


def cut_to_length(layout: KeyLayout, windows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Windows cut to each piece's length."""
    out = windows.copy()
    for k in range(1, layout.order):
        sel = lengths == k
        if sel.any():
            out[sel] = layout.prefix(windows[sel], k)
    return out


def long_piece_hash(layout: KeyLayout, windows: np.ndarray, first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of pieces longer than n, chained over their n-unit blocks."""
    n = layout.order
    h = np.zeros(len(first), dtype=np.uint64)
    for j in range(0, int(lengths.max()), n):
        alive = lengths > j
        block_keys = cut_to_length(layout, windows[np.where(alive, first + j, first)], np.minimum(lengths - j, n))
        h = np.where(alive, mix(h ^ row_hash(block_keys)), h)
    return mix(h ^ np.uint64(0xA5A5A5A5A5A5A5A5))
