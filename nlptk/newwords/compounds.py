"""The compound level: adjacent pieces that occur together far more than chance join into one word.

Character cohesion cannot see a compound of two free words: 高质量|发展 or 数字|经济 are cut
because both parts occur freely, and 金砖|国家 falls short because 国家 is so common. At this
level the pieces of the cut pass are the units. Every sequence of two or three adjacent pieces
(at most 8 characters, one of them longer than a character) is counted exactly during the cut
pass; a frequent sequence is a compound when its unit cohesion, the minimum over its splits
into two known units or compounds of ln P(w) / P(left)·P(right) with probabilities per piece,
reaches ``compound_threshold``. A split where one side nearly always occurs inside the sequence
is bound and left out of the minimum, as for characters (:func:`cohesive_ngrams`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from nlptk.lexicon import EdgeCounts
from nlptk.newwords.config import DiscoveryConfig
from nlptk.newwords.hashing import cut_to_length, row_hash
from nlptk.ngrams.counting import WindowStore
from nlptk.ngrams.keys import KeyLayout, count_runs
from nlptk.ngrams.keyset import KeySet

SEQUENCE_LENGTHS = (2, 3)  # pieces per sequence
HASH_LAYOUT = KeyLayout(order=4, bits=16)  # partitions the sequence hashes by their top bits


@dataclass
class BlockSequences:
    """The sequences of adjacent pieces of one block: every occurrence's hash and span, and each
    distinct sequence once (hash and exact key)."""

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    distinct_hashes: np.ndarray
    distinct_keys: np.ndarray


@dataclass(frozen=True)
class SingleParts:
    """Which characters may be a one-character piece of a compound, by vocabulary id: at its start,
    inside, at its end. A function character may not (的, 了, 都: 强烈的历史, 发出了 are phrases),
    except at an edge where it makes many dictionary words (会 ends 运动会: 北京冬奥会)."""

    first: np.ndarray
    inner: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, units: np.ndarray, function_chars: frozenset[str], edges: EdgeCounts, affix: int) -> SingleParts:
        """From ``units`` (code point by id) and jieba's dictionary."""
        chars = [chr(cp) if cp else "" for cp in units.tolist()]
        content = np.array([c not in function_chars for c in chars])
        first = content | np.array([edges.first_of_longer[c] >= affix for c in chars])
        last = content | np.array([edges.last_of_longer[c] >= affix for c in chars])
        return cls(first, content, last)


def adjacent_pieces(
    layout: KeyLayout,
    block: np.ndarray,
    rank: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    singles: SingleParts,
) -> BlockSequences:
    """Every sequence of 2 or 3 adjacent pieces (given sorted by start; ``rank`` indexes the block's
    non-zero positions) of at most ``layout.order`` characters with a multi-character piece, and
    one-character pieces only where ``singles`` allows them."""
    ends = starts + lengths - 1
    follows = np.append(False, starts[1:] == ends[:-1] + 1)  # piece i starts right after piece i-1
    multi = lengths >= 2
    ids = block[starts]
    may = {
        position: multi | table[ids]
        for position, table in (("first", singles.first), ("inner", singles.inner), ("last", singles.last))
    }
    windows = layout.windows(block)
    keys, firsts, totals = [], [], []
    for k in SEQUENCE_LENGTHS:
        first = np.arange(len(starts) - k + 1)
        ok = may["first"][first] & may["last"][first + k - 1]
        total = lengths[first].copy()
        any_multi = multi[first].copy()
        for j in range(1, k):
            ok &= follows[first + j]
            if j < k - 1:
                ok &= may["inner"][first + j]
            total += lengths[first + j]
            any_multi |= multi[first + j]
        ok &= any_multi & (total <= layout.order)
        first, total = first[ok], total[ok]
        keys.append(cut_to_length(layout, windows[rank[first]], total))
        firsts.append(first)
        totals.append(total)
    joined = layout.concat(keys)
    hashes = row_hash(joined)
    first, total = np.concatenate(firsts), np.concatenate(totals)
    distinct, index = np.unique(hashes, return_index=True)
    return BlockSequences(hashes, starts[first], starts[first] + total - 1, distinct, joined[index])


class Sequences:
    """Counts of sequence hashes (a store of sorted hashes) and, in a file, the key of each hash."""

    def __init__(self, layout: KeyLayout, hold_bytes: int, tmpdir: str, partitions: int) -> None:
        self.layout = layout
        self.hashes = WindowStore(HASH_LAYOUT, hold_bytes, tmpdir, partitions, name="sequences")
        self.keys_path = os.path.join(tmpdir, "sequence_keys.bin")
        open(self.keys_path, "wb").close()

    def add(self, block: BlockSequences) -> None:
        if not len(block.hashes):
            return
        self.hashes.add(np.sort(block.hashes))
        rows = np.column_stack((block.distinct_hashes, block.distinct_keys.reshape(len(block.distinct_hashes), -1)))
        with open(self.keys_path, "ab") as handle:
            rows.astype(np.uint64).tofile(handle)

    def frequent(self, min_count: int, units: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The sequences counted at least ``min_count`` times: strings, counts and hashes.
        ``units`` maps vocabulary ids to code points."""
        found, counts = [], []
        for sorted_hashes in self.hashes.sorted_partitions():
            hashes, freq = count_runs(sorted_hashes)
            keep = freq >= min_count
            found.append(hashes[keep])
            counts.append(freq[keep])
        hashes = np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
        if not len(hashes):
            return [], np.zeros(0, dtype=np.int64), hashes
        members = KeySet(hashes)
        keys = np.zeros((len(hashes), self.layout.words), dtype=np.uint64)
        width = 1 + self.layout.words
        rows_per_read = max(1, (64 << 20) // (8 * width))
        with open(self.keys_path, "rb") as handle:
            while len(chunk := np.fromfile(handle, dtype=np.uint64, count=rows_per_read * width)):
                rows = chunk.reshape(-1, width)
                index = members.index(rows[:, 0])
                hit = index >= 0
                keys[index[hit]] = rows[hit, 1:]
        ids = self.layout.unpack(keys if self.layout.words > 1 else keys[:, 0])
        words = [row.tobytes().decode("utf-32-le").rstrip("\0") for row in units[ids]]
        return words, np.concatenate(counts), hashes


def unit_cohesion(
    sequences: dict[str, int], pieces: dict[str, int], units: set[str], total_units: int, config: DiscoveryConfig
) -> dict[str, float]:
    """The unit cohesion of each sequence that passes ``config.compound_threshold`` (see the module).

    ``sequences`` and ``pieces`` map strings to counts. The sides of a split must be ``units``
    (the words of the cut pass and single characters) or, for a sequence of three, a compound that
    passed: a phrase with a fragment in it (习近平 + 在贺信中) is not a compound.
    """
    passed: dict[str, float] = {}
    for _ in range(2):  # compounds of units, then compounds with a compound for a side
        sides = units | passed.keys()
        for text, count in sequences.items():
            if text in pieces or text in passed:
                continue  # a piece of the cut pass: its character statistics stand
            cohesion = _split_cohesion(text, count, sequences, pieces, sides, total_units, config.bound_share)
            if cohesion is not None and cohesion >= config.compound_threshold:
                passed[text] = cohesion
    return passed


def _split_cohesion(
    text: str,
    count: int,
    sequences: dict[str, int],
    pieces: dict[str, int],
    sides: set[str] | dict.keys,
    total_units: int,
    bound_share: float,
) -> float | None:
    """The least ln P(w) / P(left)·P(right) over the splits of ``text`` into two ``sides`` that are
    not bound (+inf when all are; the plain least when every split is bound), None without a split."""
    log_count = math.log(count)
    cohesion, free, splits = math.inf, math.inf, 0
    for j in range(1, len(text)):
        left, right = text[:j], text[j:]
        if left not in sides or right not in sides:
            continue
        left_count = pieces.get(left) or sequences[left]
        right_count = pieces.get(right) or sequences[right]
        splits += 1
        ratio = math.log(total_units) + log_count - math.log(left_count) - math.log(right_count)
        cohesion = min(cohesion, ratio)
        if count < bound_share * min(left_count, right_count):
            free = min(free, ratio)
    if not splits:
        return None
    return free if math.isfinite(free) else cohesion
