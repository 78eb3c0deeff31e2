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
from functools import lru_cache

import numpy as np

from nlptk.lexicon import EdgeCounts, JiebaDictionary
from nlptk.newwords.config import SINGLE_AFFIX, DiscoveryConfig
from nlptk.ngrams.counting import WindowStore
from nlptk.ngrams.hashing import GOLDEN_MULTIPLIER, mix
from nlptk.ngrams.keys import KeyLayout
from nlptk.ngrams.keyset import KeySet

SEQUENCE_LENGTHS = (2, 3)  # pieces per sequence
HASH_LAYOUT = KeyLayout(order=4, bits=16)  # partitions the sequence hashes by their top bits


@dataclass
class BlockSequences:
    """The sequences of adjacent pieces of one block: every occurrence's code (sorted, see
    :func:`sequence_codes`) and span, and the exact key of each distinct hashed code."""

    codes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    hashed_codes: np.ndarray
    hashed_keys: np.ndarray

    @property
    def hashes(self) -> np.ndarray:
        """The hashes of the codes for the neighbour pairs (:func:`pair_hash`)."""
        return pair_hash(self.codes)


@dataclass(frozen=True)
class SingleParts:
    """Which characters may be a one-character piece of a compound, by vocabulary id: at its start,
    inside, at its end. At an edge, a character must begin (or end) SINGLE_AFFIX longer words of
    jieba's dictionary (房 ends 病房, 书房 …; 届 and 式 begin almost none), a function character
    ``affix`` of them (会 ends 运动会: 北京冬奥会; 了 and 的 end too few: 发出了); inside, no function
    character (强烈的历史)."""

    first: np.ndarray
    inner: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, units: np.ndarray, function_chars: frozenset[str], edges: EdgeCounts, affix: int) -> SingleParts:
        """From ``units`` (code point by id) and jieba's dictionary."""
        chars = [chr(cp) if cp else "" for cp in units.tolist()]
        needed = np.array([affix if c in function_chars else SINGLE_AFFIX for c in chars])
        content = np.array([c not in function_chars for c in chars])
        first = np.array([edges.first_of_longer[c] for c in chars]) >= needed
        last = np.array([edges.last_of_longer[c] for c in chars]) >= needed
        return cls(first, content, last)


class FrequentPairs:
    """Membership of character bigrams (by vocabulary ids) among the frequent ones, as a bit table.

    Every occurrence of a frequent sequence has frequent bigrams at its junctions (a bigram is at
    least as frequent as a string containing it), so an occurrence with a rare one is skipped.
    """

    def __init__(self, first: np.ndarray, second: np.ndarray, vocab_size: int) -> None:
        used = np.unique(np.concatenate((first, second)).astype(np.int64))
        self.dense = np.zeros(vocab_size, dtype=np.int64)
        self.dense[used] = np.arange(1, len(used) + 1)
        self.width = len(used) + 1
        table = np.zeros(self.width * self.width, dtype=bool)
        table[self.dense[first.astype(np.int64)] * self.width + self.dense[second.astype(np.int64)]] = True
        self.bits = np.packbits(table)

    def contains(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        index = self.dense[first] * self.width + self.dense[second]
        return (self.bits[index >> 3] >> (7 - (index & 7)).astype(np.uint8)) & 1 == 1


_BASE = GOLDEN_MULTIPLIER  # odd: invertible modulo 2^64
_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))


def span_hashes(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prefix sums and inverse powers such that ``(prefix[e] - prefix[s]) * inverse[s]`` is a hash of
    ``block[s:e]`` that depends only on its content: Σ id·B^t modulo 2^64."""
    powers, inverse = _powers(1 << max(10, (len(block) - 1).bit_length()))
    with np.errstate(over="ignore"):
        terms = block.astype(np.uint64) * powers[: len(block)]
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(terms, dtype=np.uint64)))
    return prefix, inverse[: len(block)]


@lru_cache(maxsize=4)
def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """B^0 … B^(size-1) and their inverses modulo 2^64 (blocks of similar sizes share them)."""
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64)) * _INVERSE
        inverse = np.cumprod(np.full(size, _INVERSE, dtype=np.uint64)) * _BASE
    return powers, inverse


def adjacent_pieces(
    layout: KeyLayout,
    block: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    singles: SingleParts,
    pairs: FrequentPairs,
) -> BlockSequences:
    """Every sequence of 2 or 3 adjacent pieces (given sorted by start) of at most ``layout.order``
    characters with a multi-character piece and frequent bigrams at its junctions, one-character
    pieces only where ``singles`` allows them."""
    ends = starts + lengths - 1
    # Piece i starts right after piece i-1, and the bigram across is frequent.
    joins = np.append(False, starts[1:] == ends[:-1] + 1)
    joins[1:] &= pairs.contains(block[ends[:-1]].astype(np.int64), block[starts[1:]].astype(np.int64))
    multi = lengths >= 2
    ids = block[starts]
    may = {
        position: multi | table[ids]
        for position, table in (("first", singles.first), ("inner", singles.inner), ("last", singles.last))
    }
    firsts, totals = [], []
    for k in SEQUENCE_LENGTHS:
        first = np.flatnonzero(may["first"][: len(starts) - k + 1])
        ok = may["last"][first + k - 1].copy()
        total = lengths[first].copy()
        any_multi = multi[first].copy()
        for j in range(1, k):
            ok &= joins[first + j]
            if j < k - 1:
                ok &= may["inner"][first + j]
            total += lengths[first + j]
            any_multi |= multi[first + j]
        ok &= any_multi & (total <= layout.order)
        firsts.append(first[ok])
        totals.append(total[ok])
    first_piece, total = np.concatenate(firsts), np.concatenate(totals)
    begin = starts[first_piece]
    codes = sequence_codes(block, begin, total, narrow=len(singles.first) <= 1 << 15)
    order = np.argsort(codes)
    codes, begin, total = codes[order], begin[order], total[order]
    hashed = np.flatnonzero((codes >= HASHED) & np.append(True, codes[1:] != codes[:-1]))  # distinct
    # The characters of each distinct hashed sequence, 0 after its end.
    first, size, end = begin[hashed], total[hashed], len(block) - 1
    chars = np.stack([np.where(j < size, block[np.minimum(first + j, end)], 0) for j in range(layout.order)], axis=1)
    return BlockSequences(codes, begin, begin + total - 1, codes[hashed], layout.pack(chars))


def pair_hash(codes: np.ndarray) -> np.ndarray:
    """Hashes of sequence codes, salted apart from the pieces' (a piece and a sequence of the same
    characters keep their neighbours apart)."""
    return mix(codes ^ _SALT)


_SALT = np.uint64(0x5EC0E5CE5EC0E5CE)
HASHED = np.uint64(1 << 63)  # the top bit of a code: a hash, not the characters themselves
PACKED = 4  # characters held in a code: 16 bits each


def sequence_codes(block: np.ndarray, begin: np.ndarray, total: np.ndarray, narrow: bool) -> np.ndarray:
    """A 64-bit code of each sequence ``block[begin : begin + total]``: up to PACKED characters are
    the code itself (top bit 0) when every id is below 2^15 (``narrow``); longer ones, or wider ids,
    a hash of the content with the top bit set (:func:`span_hashes`)."""
    codes = np.zeros(len(begin), dtype=np.uint64)
    packed = (total <= PACKED) & narrow
    start, size, end = begin[packed], total[packed], len(block) - 1
    for j in range(PACKED):
        ids = np.where(j < size, block[np.minimum(start + j, end)], 0).astype(np.uint64)
        codes[packed] |= ids << np.uint64(16 * (PACKED - 1 - j))
    prefix, inverse = span_hashes(block)
    start, size = begin[~packed], total[~packed]
    with np.errstate(over="ignore"):
        content = (prefix[start + size] - prefix[start]) * inverse[start] ^ size.astype(np.uint64)
    codes[~packed] = mix(content) | HASHED
    return codes


class Sequences:
    """Counts of sequence hashes (a store of sorted hashes) and, in a file, the key of each hash."""

    def __init__(self, layout: KeyLayout, hold_bytes: int, tmpdir: str, partitions: int) -> None:
        self.layout = layout
        self.hashes = WindowStore(HASH_LAYOUT, hold_bytes, tmpdir, partitions, name="sequences")
        self.keys_path = os.path.join(tmpdir, "sequence_keys.bin")
        open(self.keys_path, "wb").close()

    def add(self, block: BlockSequences) -> None:
        if not len(block.codes):
            return
        self.hashes.add(block.codes)  # sorted
        if len(block.hashed_codes):
            rows = np.column_stack((block.hashed_codes, block.hashed_keys.reshape(len(block.hashed_codes), -1)))
            with open(self.keys_path, "ab") as handle:
                rows.astype(np.uint64).tofile(handle)

    def frequent(self, min_count: int, units: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The sequences counted at least ``min_count`` times: strings, counts and hashes (as the
        neighbour pairs have them). ``units`` maps vocabulary ids to code points."""
        found, counts = [], []
        for codes, freq in self.hashes.counted_partitions():
            keep = freq >= min_count
            found.append(codes[keep])
            counts.append(freq[keep])
        codes = np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)
        hashed = codes[codes >= HASHED]
        words = sequence_strings(codes, hashed, self._keys(hashed), self.layout, units)
        return words, np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64), pair_hash(codes)

    def key_rows(self) -> np.ndarray:
        """Every (hashed code, key words…) row written, each code once."""
        width = 1 + self.layout.words
        rows = np.fromfile(self.keys_path, dtype=np.uint64).reshape(-1, width)
        return rows[np.unique(rows[:, 0], return_index=True)[1]]

    def _keys(self, codes: np.ndarray) -> np.ndarray:
        """The key words (rows) of the hashed ``codes``, from the keys file."""
        members = KeySet(codes)
        keys = np.zeros((len(codes), self.layout.words), dtype=np.uint64)
        width = 1 + self.layout.words
        rows_per_read = max(1, (64 << 20) // (8 * width))
        with open(self.keys_path, "rb") as handle:
            while len(chunk := np.fromfile(handle, dtype=np.uint64, count=rows_per_read * width)):
                rows = chunk.reshape(-1, width)
                index = members.index(rows[:, 0])
                hit = index >= 0
                keys[index[hit]] = rows[hit, 1:]
        return keys


def sequence_strings(
    codes: np.ndarray, hashed: np.ndarray, hashed_keys: np.ndarray, layout: KeyLayout, units: np.ndarray
) -> list[str]:
    """The strings of sequence ``codes``: packed codes hold their characters, the ``hashed`` ones
    (in the order they come among ``codes``) are spelled by ``hashed_keys``, one row of key words each."""
    ids = np.zeros((len(codes), layout.order), dtype=np.int64)
    packed = codes < HASHED
    for j in range(PACKED):
        ids[packed, j] = (codes[packed] >> np.uint64(16 * (PACKED - 1 - j))) & np.uint64(0xFFFF)
    if len(hashed):
        keys = hashed_keys if layout.words > 1 else hashed_keys[:, 0]
        ids[~packed] = layout.unpack(keys).astype(np.int64)
    return [row.tobytes().decode("utf-32-le").rstrip("\0") for row in units[ids]]


MODIFIER_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "b", "a", "an", "vn"})
HEAD_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "an", "vn"})


VERB_MARGIN = 2.0  # nats more for a side that jieba tags as a verb: 外卖+小哥 is a compound, 强化+责任 a phrase


def compound_sides(
    units: set[str], words: set[str], dictionary: JiebaDictionary, singles: SingleParts, ids: dict[str, int]
) -> tuple[dict[str, float], dict[str, float]]:
    """The units that may begin and those that may end a compound, each with the margin its split
    must clear above the threshold. A compound is a noun phrase made of a modifier and a head
    (数字+经济, 商务+房, 高质量+发展), not an adverb with a verb (稳步+提升) nor a clause (价格+偏高).

    A part in jieba's dictionary must have a noun-like tag (an adjective may modify) or be a verb,
    with VERB_MARGIN more (a verb and its object or subject look alike: 取得+长足, 报告+显示); a
    one-character part must also make many words at that edge (房 ends 病房, 书房 …; 届 and 式 begin
    almost none: :class:`SingleParts`, ``ids`` giving each character's vocabulary id); such a
    localiser may end one too (间 ends 单人间, 洗手间: 豪华间), as the fragment rules reject those that
    place a noun (会议上, 过程中). A part
    jieba does not know must be one of ``words``, the pieces of the cut itself (冬奥会), not only a
    part of a recut piece (穿上很舒 + 服).
    """
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for text in units:
        tag = dictionary.characters.get(text, (0, ""))[1] if len(text) == 1 else dictionary.words.get(text)
        if tag is None and text not in words:
            continue
        may_begin, may_end = (singles.first[ids[text]], singles.last[ids[text]]) if len(text) == 1 else (True, True)
        if may_begin and (tag is None or tag in MODIFIER_TAGS or tag == "v"):
            first[text] = VERB_MARGIN if tag == "v" else 0.0
        if may_end and (tag is None or tag in HEAD_TAGS or tag == "v" or (len(text) == 1 and tag == "f")):
            last[text] = VERB_MARGIN if tag == "v" else 0.0
    return first, last


def unit_cohesion(
    sequences: dict[str, int],
    pieces: dict[str, int],
    sides: tuple[dict[str, float], dict[str, float]],
    total_units: int,
    config: DiscoveryConfig,
) -> dict[str, float]:
    """The unit cohesion of each sequence that reaches ``config.compound_threshold``, or whose every
    split is bound (as for characters, see the module).

    ``sequences`` and ``pieces`` map strings to counts. The left and right side of a split must be
    among ``sides`` (:func:`compound_sides` of the well-formed units) or, for a sequence of three,
    a compound that passed: a phrase with a fragment in it (习近平 + 在贺信中) is not a compound.
    """
    passed: dict[str, float] = {}
    for _ in range(2):  # compounds of units, then compounds with a compound for a side
        lefts = sides[0] | dict.fromkeys(passed, 0.0)
        rights = sides[1] | dict.fromkeys(passed, 0.0)
        for text, count in sequences.items():
            if text in pieces or text in passed:
                continue  # a piece of the cut pass: its character statistics stand
            found = _split_cohesion(text, count, sequences, pieces, lefts, rights, total_units, config.bound_share)
            if found is not None and (found[1] or found[0] >= config.compound_threshold):
                passed[text] = found[0]
    return passed


def _split_cohesion(
    text: str,
    count: int,
    sequences: dict[str, int],
    pieces: dict[str, int],
    lefts: dict[str, float],
    rights: dict[str, float],
    total_units: int,
    bound_share: float,
) -> tuple[float, bool] | None:
    """The least ln P(w) / P(left)·P(right), less the sides' margins, over the splits of ``text`` into
    one of ``lefts`` and one of ``rights`` that are not bound, and False; when every such split is
    bound (each side nearly always inside: 北京冬奥 + 会), the plain least and True; None without one."""
    log_count = math.log(count)
    cohesion, free, splits = math.inf, math.inf, 0
    for j in range(1, len(text)):
        left, right = text[:j], text[j:]
        if left not in lefts or right not in rights:
            continue
        left_count = pieces.get(left) or sequences[left]
        right_count = pieces.get(right) or sequences[right]
        splits += 1
        ratio = math.log(total_units) + log_count - math.log(left_count) - math.log(right_count)
        ratio -= lefts[left] + rights[right]
        cohesion = min(cohesion, ratio)
        if count < bound_share * min(left_count, right_count):
            free = min(free, ratio)
    if not splits:
        return None
    return (free, False) if math.isfinite(free) else (cohesion, True)
