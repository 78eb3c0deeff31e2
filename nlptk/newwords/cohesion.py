"""The cohesive n-grams G: frequent n-grams whose every binary split is far less likely than the whole."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from nlptk.newwords.config import DiscoveryConfig
from nlptk.ngrams.hashing import row_hash
from nlptk.ngrams.keys import KeyLayout
from nlptk.ngrams.keyset import KeySet

MAX_PAIR_TABLE = 1 << 26  # bytes of the bigram-prefix table (at most memory/16); past it, probe the hash set only


@dataclass
class Cohesive:
    """The n-grams G: packed keys (all orders together), their ln cohesion and fast membership.

    ``pair_flags[dense[a] * width + dense[b]]`` has bit k-2 set when some member of length k
    starts with the bigram ``ab``, so only a few positions need a hash probe for k ≥ 3.
    """

    keys: np.ndarray
    cohesion: np.ndarray
    members: KeySet
    dense: np.ndarray | None = None  # vocabulary id -> dense id of a character in some member (0: none)
    pair_flags: np.ndarray | None = None
    thresholds: tuple[float, ...] = ()  # the threshold each length had to reach, from length 2 on

    def threshold(self, length: int) -> float:
        """The ln cohesion that members of ``length`` had to reach (0 when not recorded)."""
        return self.thresholds[length - 2] if self.thresholds else 0.0

    @property
    def width(self) -> int:
        return 0 if self.dense is None else int(self.dense.max()) + 1

    def flags(self, block: np.ndarray) -> np.ndarray | None:
        """For every position of ``block``, the lengths of the members of G that may start there."""
        if self.pair_flags is None or self.dense is None:
            return None
        dense = self.dense[block].astype(np.int64)
        pair = dense * self.width + np.append(dense[1:], 0)
        return self.pair_flags[pair]


def _pair_table(
    layout: KeyLayout, keys: np.ndarray, vocab_size: int, max_bytes: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The dense character ids and bigram-prefix flags of :class:`Cohesive` (None if over ``max_bytes``)."""
    if len(keys) == 0 or layout.words != 1:
        return None
    first, second = layout.unit(keys, 0), layout.unit(keys, 1)
    used = np.unique(np.concatenate((first, second)))
    width = len(used) + 1
    if width * width > max_bytes:
        return None
    dense = np.zeros(vocab_size, dtype=np.uint32)
    dense[used.astype(np.int64)] = np.arange(1, width, dtype=np.uint32)
    lengths = np.zeros(len(keys), dtype=np.int64)
    for k in range(layout.order):
        lengths += layout.unit(keys, k) != 0
    flags = np.zeros(width * width, dtype=np.uint8)
    index = dense[first.astype(np.int64)].astype(np.int64) * width + dense[second.astype(np.int64)]
    np.bitwise_or.at(flags, index, (1 << (lengths - 2)).astype(np.uint8))
    return dense, flags


def frequent_ngrams(
    partitions: Iterable[dict[int, tuple[np.ndarray, np.ndarray]]], layout: KeyLayout, min_count: int
) -> tuple[int, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The total character count and, per order, the n-grams occurring at least ``min_count`` times,
    from counted partitions in key order (:meth:`nlptk.ngrams.NgramCounter.partitions`)."""
    total = 0
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for partition in partitions:
        for k, (keys, counts) in partition.items():
            if k == 1:  # partitions hold every unigram
                total += int(counts.sum())
                keys, counts = keys[counts >= min_count], counts[counts >= min_count]
            parts.setdefault(k, []).append((keys, counts))
    frequent = {
        k: (layout.concat([p[0] for p in chunks]), np.concatenate([p[1] for p in chunks]))
        for k, chunks in parts.items()
    }
    return total, frequent


def _shift_left(layout: KeyLayout, keys: np.ndarray, k: int, j: int) -> np.ndarray:
    """Keys of the suffixes that drop the first ``j`` of ``k`` units."""
    units = layout.unpack(keys, k)
    return layout.pack(units[:, j:])


def cohesive_ngrams(
    layout: KeyLayout,
    frequent: dict[int, tuple[np.ndarray, np.ndarray]],
    total: int,
    config: DiscoveryConfig,
    vocab_size: int,
) -> Cohesive:
    """G: frequent n-grams of length ≥ 2 whose ln cohesion reaches the threshold of their length.

    A split where one part nearly always occurs inside the n-gram (its count ≥ ``bound_share`` of
    that part's) is no evidence of a boundary and is left out of the minimum: 一|带一路 has a low
    ratio only because 一 is common, yet 带一路 is never seen without 一. An n-gram whose every
    split is bound is cohesive; its cohesion is then the plain minimum.
    """
    log_total = math.log(total)
    log_bound = math.log(config.bound_share)
    log_counts = {k: np.log(counts.astype(np.float64)) for k, (_, counts) in frequent.items()}
    kept_keys, kept_cohesion = [], []
    for k in range(2, layout.order + 1):
        keys, _ = frequent.get(k, (layout.empty(), None))
        if len(keys) == 0:
            continue
        cohesion, free_cohesion = np.full(len(keys), np.inf), np.full(len(keys), np.inf)
        for j in range(1, k):
            left = _lookup_log_count(layout, frequent, log_counts, j, layout.prefix(keys, j))
            right = _lookup_log_count(layout, frequent, log_counts, k - j, _shift_left(layout, keys, k, j))
            ratio = log_total + log_counts[k] - left - right
            cohesion = np.minimum(cohesion, ratio)
            bound = log_counts[k] >= log_bound + np.minimum(left, right)
            free_cohesion = np.minimum(free_cohesion, np.where(bound, np.inf, ratio))
        cohesion = np.where(np.isfinite(free_cohesion), free_cohesion, cohesion)
        keep = (cohesion >= config.threshold(k)) | ~np.isfinite(free_cohesion)
        kept_keys.append(keys[keep])
        kept_cohesion.append(cohesion[keep])
    keys = layout.concat(kept_keys)
    cohesion = np.concatenate(kept_cohesion) if kept_cohesion else np.zeros(0)
    members = KeySet(keys if layout.words == 1 else row_hash(keys))
    table = _pair_table(layout, keys, vocab_size, min(MAX_PAIR_TABLE, config.memory // 16))
    thresholds = tuple(config.threshold(k) for k in range(2, layout.order + 1))
    return Cohesive(keys, cohesion, members, *(table or (None, None)), thresholds)


def _lookup_log_count(
    layout: KeyLayout,
    frequent: dict[int, tuple[np.ndarray, np.ndarray]],
    log_counts: dict[int, np.ndarray],
    k: int,
    queries: np.ndarray,
) -> np.ndarray:
    """ln count of each k-gram query; every part of a frequent n-gram is at least as frequent."""
    keys, _ = frequent[k]
    index, found = layout.search(keys, queries)
    if not found.all():  # cannot happen with exact counts; guard against silent garbage
        raise AssertionError("a part of a frequent n-gram was not counted")
    return log_counts[k][index]


def membership(keys: np.ndarray, layout: KeyLayout, cohesive: Cohesive) -> np.ndarray:
    return cohesive.members.contains(keys if layout.words == 1 else row_hash(keys))


def members_at(
    windows: np.ndarray, positions: np.ndarray, block: np.ndarray, layout: KeyLayout, cohesive: Cohesive
) -> dict[int, np.ndarray]:
    """``in_g[k][i]``: the k-gram starting at ``positions[i]`` is a member of G (k = 2..n)."""
    flags = cohesive.flags(block)
    in_g = {}
    for k in range(2, layout.order + 1):
        if flags is None:
            candidates = np.flatnonzero(layout.unit(windows, k - 1))
        else:
            bit = flags[positions] & np.uint8(1 << (k - 2))
            if k == 2:
                in_g[k] = bit != 0
                continue
            candidates = np.flatnonzero(bit)
        found = np.zeros(len(positions), dtype=bool)
        found[candidates] = membership(layout.prefix(windows[candidates], k), layout, cohesive)
        in_g[k] = found
    return in_g


def cohesion_of(keys: np.ndarray, layout: KeyLayout, cohesive: Cohesive) -> np.ndarray:
    index = cohesive.members.index(keys if layout.words == 1 else row_hash(keys))
    return np.where(index >= 0, cohesive.cohesion[np.maximum(index, 0)], np.nan)
