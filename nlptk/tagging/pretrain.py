"""Character vectors from raw text, to initialise a tagger's character embeddings.

Positive PMI of characters co-occurring within a small window, reduced by a randomised SVD
(Levy & Goldberg's count-based equivalent of skip-gram embeddings): seconds on tens of
millions of characters, and it gives characters that are rare in the labelled data (the
characters of names, say) a meaningful starting point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from nlptk.text import CharVocab, codepoints, to_halfwidth

CHUNK_CHARS = 4_000_000


def frequent_chars(lines: Iterable[str], min_count: int, limit: int) -> list[str]:
    """The at most ``limit`` most frequent non-space characters seen ``min_count`` times or more."""
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(to_halfwidth(line))
    for space in (" ", "\t", "\n", "\u3000"):
        counts.pop(space, None)
    return [c for c, n in counts.most_common(limit) if n >= min_count]


def char_vectors(lines: Iterable[str], chars: Sequence[str], dim: int, window: int = 2, seed: int = 0) -> np.ndarray:
    """(len(chars), dim) vectors: rows of U·√S of the SVD of the PPMI matrix, columns scaled to unit std."""
    vocab = CharVocab(chars)
    size = len(vocab)  # id 0: characters outside ``chars`` and line breaks
    counts = np.zeros(size * size, dtype=np.float64)
    for ids in _id_chunks(lines, vocab):
        for offset in range(1, window + 1):
            left, right = ids[:-offset], ids[offset:]
            keep = (left > 0) & (right > 0)
            counts += np.bincount(left[keep] * size + right[keep], minlength=size * size)
    matrix = counts.reshape(size, size)
    matrix += matrix.T
    vectors = _ppmi_svd(matrix[1:, 1:], dim, seed)
    std = vectors.std(axis=0, keepdims=True)
    return (vectors / np.where(std > 0, std, 1)).astype(np.float32)


def _id_chunks(lines: Iterable[str], vocab: CharVocab) -> Iterable[np.ndarray]:
    """Character ids of about CHUNK_CHARS characters at a time; 0 between lines and for spaces."""
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(to_halfwidth(line))
        size += len(line) + 1
        if size >= CHUNK_CHARS:
            yield _encode("\n".join(batch), vocab)
            batch, size = [], 0
    if batch:
        yield _encode("\n".join(batch), vocab)


def _encode(text: str, vocab: CharVocab) -> np.ndarray:
    cps = codepoints(text)
    return vocab.encode_chars(cps, np.ones(len(cps), dtype=bool), grow=False).astype(np.int64)


def _ppmi_svd(counts: np.ndarray, dim: int, seed: int, smoothing: float = 0.75) -> np.ndarray:
    total = counts.sum()
    if total == 0:
        raise ValueError("no co-occurring characters to learn vectors from")
    rows = counts.sum(axis=1)
    context = counts.sum(axis=0) ** smoothing  # context-distribution smoothing
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * context.sum() / (np.outer(rows, context) + 1e-30) + 1e-30)
    ppmi = np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)
    # Randomised SVD: a range finder with two power iterations, then an exact SVD of the small projection.
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(ppmi @ rng.standard_normal((ppmi.shape[1], dim + 16), dtype=np.float32))[0]
    for _ in range(2):
        basis = np.linalg.qr(ppmi @ (ppmi.T @ basis))[0]
    u, s, _ = np.linalg.svd(basis.T @ ppmi, full_matrices=False)
    vectors = (basis @ u[:, :dim]) * np.sqrt(s[:dim])
    # Fewer characters than dimensions: the missing components are zero.
    return np.pad(vectors, ((0, 0), (0, dim - vectors.shape[1])))
