"""64-bit hashes of pieces: longer than one key, or with a neighbour (on :mod:`nlptk.ngrams.hashing`)."""

from __future__ import annotations

import numpy as np

from nlptk.ngrams.hashing import mix, row_hash
from nlptk.ngrams.keys import KeyLayout


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
