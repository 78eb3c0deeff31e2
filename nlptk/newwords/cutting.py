"""Cutting the corpus at gaps no cohesive n-gram spans, and recording the pieces."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from nlptk.lexicon import dictionary_edges, function_characters
from nlptk.newwords.boundary import LONG_AFFIX
from nlptk.newwords.cohesion import Cohesive, cohesion_of, members_at
from nlptk.newwords.compounds import BlockSequences, Sequences, SingleParts, adjacent_pieces
from nlptk.newwords.config import DiscoveryConfig
from nlptk.newwords.hashing import cut_to_length, long_piece_hash, pair_prefix, row_hash
from nlptk.ngrams.counting import NgramCounter, WindowStore, blocks_in_flight
from nlptk.ngrams.keys import MAX_ORDER, KeyLayout
from nlptk.parallel import ordered_map
from nlptk.progress import Progress

MAX_CARRY = 1 << 22  # a fragment longer than this many characters is cut (memory bound)
CUT_BYTES_PER_CHAR = 128  # peak bytes per character while a block is cut (measured: about 110)
MIN_BLOCK_CHARS = 1 << 14

PAIR_LAYOUT = KeyLayout(order=4, bits=16)  # partitions (piece hash, neighbour) keys by their top bits


MAX_CARRY = 1 << 22  # a fragment longer than this many characters is cut (memory bound)
CUT_BYTES_PER_CHAR = 128  # peak bytes per character while a block is cut (measured: about 110)
MIN_BLOCK_CHARS = 1 << 14

PAIR_LAYOUT = KeyLayout(order=4, bits=16)  # partitions (piece hash, neighbour) keys by their top bits


def compound_layout(layout: KeyLayout) -> KeyLayout:
    """Keys of compounds (sequences of adjacent pieces): up to MAX_ORDER characters, exact."""
    return KeyLayout(order=MAX_ORDER, bits=layout.bits)


def _id_blocks_with_carry(counter: NgramCounter, block_chars: int) -> Iterator[np.ndarray]:
    """The corpus ids in blocks of about ``block_chars`` that end at a fragment boundary.

    A block is longer only where a fragment is; a fragment longer than ``MAX_CARRY`` characters
    is cut after that many (a memory bound). The blocks do not depend on how the text was read.
    """
    carry = np.zeros(0, dtype=np.uint32)
    for ids in counter.id_blocks or ():
        block = np.concatenate((carry, ids.astype(np.uint32)))
        while (end := _block_end(block, block_chars)) is not None:
            yield block[:end]
            block = block[end:]
        carry = block
    if len(carry):
        yield np.concatenate((carry, np.zeros(1, dtype=np.uint32)))


def _block_end(block: np.ndarray, block_chars: int) -> int | None:
    """Where the next block ends (after a separator), or None when more ids are needed to know."""
    if len(block) < block_chars:
        return None
    separators = np.flatnonzero(block[:block_chars] == 0)
    if len(separators):
        return int(separators[-1]) + 1
    later = np.flatnonzero(block[block_chars : MAX_CARRY + 1] == 0)  # one fragment fills the block
    if len(later):
        return block_chars + int(later[0]) + 1
    return MAX_CARRY if len(block) > MAX_CARRY else None


class LongPieces:
    """Counts of pieces longer than n: strings spilled to hash-partitioned files, counted one file at a time."""

    def __init__(self, tmpdir: str, partitions: int) -> None:
        self._paths = [os.path.join(tmpdir, f"long{i:04d}.txt") for i in range(partitions)]

    def add(self, words: list[str], hashes: np.ndarray) -> None:
        if not words:
            return
        part_of = (hashes % np.uint64(len(self._paths))).tolist()
        groups: dict[int, list[str]] = {}
        for word, part in zip(words, part_of, strict=True):
            groups.setdefault(part, []).append(word)
        for part, group in groups.items():
            with open(self._paths[part], "a", encoding="utf-8") as handle:
                handle.write("\n".join(group) + "\n")

    def frequent(self, min_count: int) -> Iterator[tuple[str, int]]:
        """Every long piece seen at least ``min_count`` times, with its count."""
        for path in self._paths:
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as handle:
                counts = Counter(handle.read().split("\n"))
            counts.pop("", None)
            yield from ((word, n) for word, n in counts.items() if n >= min_count)


@dataclass
class Pieces:
    """Running totals of the cut pass."""

    short: WindowStore
    left_pairs: WindowStore
    right_pairs: WindowStore
    long: LongPieces
    compounds: Sequences  # sequences of adjacent pieces (see nlptk.newwords.compounds)
    units: int = 0  # pieces cut, single characters included


@dataclass
class _BlockPieces:
    """The pieces of one block: sorted keys of short pieces, (hash|neighbour) pairs, long piece strings."""

    chars: int
    short: np.ndarray
    left_pairs: np.ndarray
    right_pairs: np.ndarray
    long: list[str]
    long_hashes: np.ndarray
    units: int  # pieces of every length
    compounds: BlockSequences | None  # the sequences of 2 and 3 adjacent pieces


def cut_and_count(counter: NgramCounter, cohesive: Cohesive, config: DiscoveryConfig, progress: Progress) -> Pieces:
    """Cut the corpus into pieces and store them: the three stores hold memory/8 together, the
    blocks being cut at most memory/4 (and the corpus ids of the counter memory/8)."""
    layout = counter.layout
    hold = config.memory // 24
    # Partitions of at most 32 MB or memory/16 each, as the pieces of every character could be.
    parts = max(2, -(-counter.chars * 8 * layout.words // min(config.memory // 16, 32 << 20)))
    pieces = Pieces(
        short=WindowStore(layout, hold, counter.tmpdir, parts, name="pieces"),
        left_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, parts, name="left"),
        right_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, parts, name="right"),
        long=LongPieces(counter.tmpdir, max(1, parts // 4)),
        compounds=Sequences(KeyLayout(order=MAX_ORDER, bits=layout.bits), hold, counter.tmpdir, parts),
    )
    units = counter.vocab.unit_array()
    singles = SingleParts.of(units, function_characters(), dictionary_edges(), LONG_AFFIX)

    def cut(block: np.ndarray) -> _BlockPieces:
        return _cut_block(block, layout, cohesive, units, pieces.compounds.layout, singles)

    block_chars = max(config.memory // (4 * CUT_BYTES_PER_CHAR * blocks_in_flight()), MIN_BLOCK_CHARS)
    for block_pieces in ordered_map(cut, _id_blocks_with_carry(counter, block_chars)):
        progress.advance(block_pieces.chars)
        pieces.short.add(block_pieces.short)
        pieces.left_pairs.add(block_pieces.left_pairs)
        pieces.right_pairs.add(block_pieces.right_pairs)
        pieces.long.add(block_pieces.long, block_pieces.long_hashes)
        if block_pieces.compounds is not None:
            pieces.compounds.add(block_pieces.compounds)
        pieces.units += block_pieces.units
    return pieces


def _cut_block(
    block: np.ndarray,
    layout: KeyLayout,
    cohesive: Cohesive,
    units: np.ndarray,
    sequence_layout: KeyLayout,
    singles: SingleParts,
) -> _BlockPieces:
    """Cut one block (ending at a fragment boundary) into pieces."""
    n = layout.order
    positions = np.flatnonzero(block)
    if len(positions) == 0:
        empty = np.zeros(0, dtype=np.uint64)
        return _BlockPieces(len(block), layout.empty(), empty, empty, [], empty, 0, None)
    windows = layout.windows(block)  # one per entry of ``positions``
    in_g = members_at(windows, positions, block, layout, cohesive)
    longest = np.zeros(len(positions), dtype=np.int64)
    for k in range(2, n + 1):
        longest[in_g[k]] = k
    reach = np.arange(len(block), dtype=np.int64)
    spans = longest > 0
    reach[positions[spans]] = positions[spans] + longest[spans] - 1
    reach = np.maximum.accumulate(reach)
    # The gap after character i is joined when some member of G spans it.
    nonzero = block != 0
    joined = nonzero & np.append(nonzero[1:], False) & (reach > np.arange(len(block)))
    ends = np.flatnonzero(nonzero & ~joined)
    starts = np.flatnonzero(nonzero & ~np.concatenate(([False], joined[:-1])))
    rank = np.searchsorted(positions, starts)  # index of each piece's first character in ``positions``
    lengths = ends - starts + 1
    rank, lengths = _recut(rank, lengths, in_g, windows, layout, cohesive)
    order = np.argsort(rank, kind="stable")
    rank, lengths = rank[order], lengths[order]
    starts = positions[rank]
    ends = starts + lengths - 1
    padded = np.concatenate(([0], block, [0])).astype(np.uint64)
    left, right = padded[starts], padded[ends + 2]

    short = lengths <= n
    short_keys = cut_to_length(layout, windows[rank[short]], lengths[short])
    short_sorted = layout.sort(short_keys.copy())
    long_strings: list[str] = []
    long_hashes = np.zeros(0, dtype=np.uint64)
    # Every piece's neighbours, single characters' too: their branching entropy is defined.
    hashes, lefts, rights = [row_hash(short_keys)], [left[short]], [right[short]]
    long_pieces = np.flatnonzero(~short)
    if len(long_pieces):
        long_hashes = long_piece_hash(layout, windows, rank[long_pieces], lengths[long_pieces])
        hashes.append(long_hashes)
        lefts.append(left[long_pieces])
        rights.append(right[long_pieces])
        cps = units[block]
        for s, e in zip(starts[long_pieces].tolist(), (ends[long_pieces] + 1).tolist(), strict=True):
            long_strings.append(cps[s:e].tobytes().decode("utf-32-le"))
    compounds = adjacent_pieces(sequence_layout, block, rank, starts, lengths, singles)
    hashed = pair_prefix(np.concatenate((*hashes, compounds.hashes)), layout)
    left_pairs = np.sort(hashed | np.concatenate((*lefts, padded[compounds.starts])))
    right_pairs = np.sort(hashed | np.concatenate((*rights, padded[compounds.ends + 2])))
    return _BlockPieces(
        len(block), short_sorted, left_pairs, right_pairs, long_strings, long_hashes, len(rank), compounds
    )


MAX_RECUT_ROUNDS = 64  # a failing piece still failing after this many cuts is dropped, as in the reference


def _recut(
    rank: np.ndarray,
    lengths: np.ndarray,
    in_g: dict[int, np.ndarray],
    windows: np.ndarray,
    layout: KeyLayout,
    cohesive: Cohesive,
) -> tuple[np.ndarray, np.ndarray]:
    """Valid pieces, and the failing ones recut at their weakest gaps until their parts are valid.

    A piece of length 3..n must be in G, a longer one must have every n-window in G. A piece
    that fails is not dropped (the reference drops it, and every word inside with it: 泽连斯基
    in 总统泽连斯基表示): it is cut at its weakest gap, the one whose strongest spanning member
    of G is the least cohesive (统|泽, spanned only by 统泽), and each part is tested again.
    ``rank`` and the result index characters in ``positions`` order.
    """
    n = layout.order
    total = len(windows)
    breaks = np.append(np.flatnonzero(~in_g[n]), total)
    run = breaks[np.searchsorted(breaks, np.arange(total))] - np.arange(total)  # n-windows in G from here on

    def valid(rank: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        ok = lengths <= 2
        for k in range(3, n + 1):
            is_k = lengths == k
            ok[is_k] = in_g[k][rank[is_k]]
        is_long = lengths > n
        ok[is_long] = run[rank[is_long]] >= lengths[is_long] - n + 1
        return ok

    ok = valid(rank, lengths)
    if ok.all():
        return rank, lengths
    kept_rank, kept_lengths = [rank[ok]], [lengths[ok]]
    rank, lengths = rank[~ok], lengths[~ok]
    strength = _gap_strength(rank, lengths, in_g, windows, layout, cohesive)
    for _ in range(MAX_RECUT_ROUNDS):
        gap_starts = np.cumsum(lengths - 1) - (lengths - 1)
        gaps = np.repeat(rank, lengths - 1) + _offsets(lengths - 1)  # gap i: between characters i and i+1
        weakest = np.minimum.reduceat(strength[gaps], gap_starts)
        weakest_gaps = np.flatnonzero(strength[gaps] == np.repeat(weakest, lengths - 1))
        _, first = np.unique(np.repeat(np.arange(len(rank)), lengths - 1)[weakest_gaps], return_index=True)
        cut = gaps[weakest_gaps[first]]  # the first weakest gap of each piece
        rank, lengths = np.concatenate((rank, cut + 1)), np.concatenate((cut - rank + 1, rank + lengths - 1 - cut))
        ok = valid(rank, lengths)
        kept_rank.append(rank[ok])
        kept_lengths.append(lengths[ok])
        rank, lengths = rank[~ok], lengths[~ok]
        if not len(rank):
            break
    return np.concatenate(kept_rank), np.concatenate(kept_lengths)


def _gap_strength(
    rank: np.ndarray,
    lengths: np.ndarray,
    in_g: dict[int, np.ndarray],
    windows: np.ndarray,
    layout: KeyLayout,
    cohesive: Cohesive,
) -> np.ndarray:
    """For each gap inside the given pieces, the highest ln cohesion of a member of G spanning it."""
    strength = np.full(len(windows), -np.inf)
    inside = np.repeat(rank, lengths) + _offsets(lengths)
    for k in range(2, layout.order + 1):
        at = inside[in_g[k][inside]]
        at = at[layout.unit(windows[at], k - 1) != 0]  # a full k-gram (a shorter window may match a shorter member)
        if not len(at):
            continue
        value = cohesion_of(layout.prefix(windows[at], k), layout, cohesive)
        for j in range(k - 1):
            np.maximum.at(strength, at + j, value)
    return strength


def _offsets(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, length-1 for each length, concatenated."""
    total = int(lengths.sum())
    return np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
