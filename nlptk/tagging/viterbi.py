"""Viterbi decoding of a linear-chain CRF in numpy: the one decoder of every tagger backend.

Scores of a path y: start[y0] + Σ emissions[t, yt] + Σ transitions[y(t-1), yt] + end[y(n-1)].
Ties go to the lowest tag id (numpy's argmax), at every step and at the end.
"""

from __future__ import annotations

import numpy as np

FORBIDDEN = -1e4  # the score of what the tag scheme forbids (transitions, starts, ends), and of constrained tags


def viterbi(
    emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray, start: np.ndarray, end: np.ndarray
) -> list[np.ndarray]:
    """The best path of each sequence: ``emissions`` (B, T, K) padded on the right, ``lengths``
    (B,); returns arrays of the unpadded lengths (tag ids)."""
    batch, length, tags = emissions.shape
    lengths = np.asarray(lengths)
    score = start + emissions[:, 0]
    pointers = np.empty((batch, max(length - 1, 0), tags), dtype=np.int64)
    keep = np.broadcast_to(np.arange(tags), (batch, tags))
    rows = np.arange(batch)
    for t in range(1, length):
        candidates = score[:, :, None] + transitions  # (B, previous, next)
        index = candidates.argmax(1)
        step = np.take_along_axis(candidates, index[:, None, :], 1)[:, 0] + emissions[:, t]
        live = (t < lengths)[:, None]
        score = np.where(live, step, score)
        # Padded steps point back to the same tag, so backtracking passes through them.
        pointers[:, t - 1] = np.where(live, index, keep)
    best = np.empty((batch, length), dtype=np.int64)
    if length:
        best[:, -1] = (score + end).argmax(1)
    for t in range(length - 2, -1, -1):
        best[:, t] = pointers[rows, t, best[:, t + 1]]
    return [best[b, : lengths[b]] for b in range(batch)]
