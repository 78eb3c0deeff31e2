"""64-bit hashes of packed keys, shared by everything that hashes them (newwords, minent)."""

from __future__ import annotations

import numpy as np

# 2⁶⁴ divided by the golden ratio, odd: the multiplier of multiplicative and polynomial hashes.
GOLDEN_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
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
