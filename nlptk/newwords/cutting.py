"""Cutting the corpus at gaps no cohesive n-gram spans, and recording the pieces."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from nlptk.newwords.boundary import branching
from nlptk.newwords.cohesion import Cohesive, cohesion_of, members_at
from nlptk.newwords.compounds import BlockSequences, FrequentPairs, Sequences, SingleParts, adjacent_pieces
from nlptk.newwords.config import DiscoveryConfig
from nlptk.newwords.hashing import cut_to_length, long_piece_hash, pair_prefix
from nlptk.ngrams.counting import NgramCounter, WindowStore, blocks_in_flight
from nlptk.ngrams.hashing import row_hash
from nlptk.ngrams.keys import MAX_ORDER, KeyLayout
from nlptk.parallel import ordered_map
from nlptk.progress import Progress

MAX_CARRY = 1 << 22  # a fragment longer than this many characters is cut (memory bound)
CUT_BYTES_PER_CHAR = 192  # peak bytes per character while a block is cut, recut and its sequences recorded
MIN_BLOCK_CHARS = 1 << 14

PAIR_LAYOUT = KeyLayout(order=4, bits=16)  # partitions (piece hash, neighbour) keys by their top bits


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

    def __init__(self, tmpdir: str, partitions: int, name: str = "long") -> None:
        self._paths = [os.path.join(tmpdir, f"{name}{i:04d}.txt") for i in range(partitions)]

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


class CountedStore(Protocol):
    """Keys with their counts, partition by partition."""

    def counted_partitions(self) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...


class FrequentStrings(Protocol):
    def frequent(self, min_count: int) -> Iterator[tuple[str, int]]: ...


class FrequentSequences(Protocol):
    def frequent(self, min_count: int, units: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]: ...


Entropies = tuple[np.ndarray, np.ndarray]  # branching entropy and top-neighbour share of each piece hash


class PiecesView(Protocol):
    """What collecting the words needs of the cut pass: :class:`Pieces` here, or the merged
    partitions of a cluster (:mod:`nlptk.cluster.discovery`)."""

    short: CountedStore
    recut_short: CountedStore
    long: FrequentStrings
    recut_long: FrequentStrings
    compounds: FrequentSequences
    units: int

    @property
    def layout(self) -> KeyLayout: ...

    def branching(self, hashes: np.ndarray, layout: KeyLayout) -> tuple[Entropies, Entropies]:
        """Left and right boundary statistics of each of ``hashes``."""
        ...


@dataclass
class Pieces:
    """Running totals of the cut pass."""

    short: WindowStore
    left_pairs: WindowStore
    right_pairs: WindowStore
    long: LongPieces
    recut_short: WindowStore  # pieces of recut failing pieces: units of compounds, not words themselves
    recut_long: LongPieces
    compounds: Sequences  # sequences of adjacent pieces (see nlptk.newwords.compounds)
    units: int = 0  # pieces cut, single characters included

    @property
    def layout(self) -> KeyLayout:
        return self.short.layout

    def branching(self, hashes: np.ndarray, layout: KeyLayout) -> tuple[Entropies, Entropies]:
        left, right = ordered_map(  # a thread per side, each sorting its partitions one at a time
            lambda pairs: branching(pairs.counted_partitions(workers=1), hashes, layout),
            (self.left_pairs, self.right_pairs),
        )
        return left, right


@dataclass
class _BlockPieces:
    """The pieces of one block: those of the cut and those of recut failing pieces, (hash|neighbour)
    pairs of the first and of the sequences of adjacent pieces, the sequences."""

    chars: int
    cut: _Recorded
    recut: _Recorded
    left_pairs: np.ndarray
    right_pairs: np.ndarray
    units: int  # pieces of every length
    compounds: BlockSequences | None


def cut_and_count(
    counter: NgramCounter,
    cohesive: Cohesive,
    pairs: FrequentPairs,
    singles: SingleParts,
    config: DiscoveryConfig,
    progress: Progress,
) -> Pieces:
    """Cut the corpus into pieces and store them: the five stores hold memory/8 together, the
    blocks being cut at most memory/4 (and the corpus ids of the counter memory/8)."""
    layout = counter.layout
    hold = config.memory // 40
    # Partitions of at most 32 MB or memory/16 each, as the pieces of every character could be.
    parts = max(2, -(-counter.chars * 8 * layout.words // min(config.memory // 16, 32 << 20)))
    pieces = Pieces(
        short=WindowStore(layout, hold, counter.tmpdir, parts, name="pieces"),
        left_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, parts, name="left"),
        right_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, parts, name="right"),
        long=LongPieces(counter.tmpdir, max(1, parts // 4)),
        recut_short=WindowStore(layout, hold, counter.tmpdir, parts, name="recut"),
        recut_long=LongPieces(counter.tmpdir, max(1, parts // 4), name="recut_long"),
        compounds=Sequences(KeyLayout(order=MAX_ORDER, bits=layout.bits), hold, counter.tmpdir, parts),
    )
    units = counter.vocab.unit_array()

    def cut(block: np.ndarray) -> _BlockPieces:
        sequences = pieces.compounds.layout if config.compounds else None  # None: no compound level
        return _cut_block(block, layout, cohesive, units, sequences, singles, pairs, config.single_entropies)

    block_chars = max(config.memory // (4 * CUT_BYTES_PER_CHAR * blocks_in_flight()), MIN_BLOCK_CHARS)
    for block_pieces in ordered_map(cut, _id_blocks_with_carry(counter, block_chars)):
        progress.advance(block_pieces.chars)
        pieces.short.add(block_pieces.cut.short)
        pieces.recut_short.add(block_pieces.recut.short)
        pieces.left_pairs.add(block_pieces.left_pairs)
        pieces.right_pairs.add(block_pieces.right_pairs)
        pieces.long.add(block_pieces.cut.long, block_pieces.cut.long_hashes)
        pieces.recut_long.add(block_pieces.recut.long, block_pieces.recut.long_hashes)
        if block_pieces.compounds is not None:
            pieces.compounds.add(block_pieces.compounds)
        pieces.units += block_pieces.units
    return pieces


def _cut_block(
    block: np.ndarray,
    layout: KeyLayout,
    cohesive: Cohesive,
    units: np.ndarray,
    sequence_layout: KeyLayout | None,
    singles: SingleParts,
    pairs: FrequentPairs,
    single_entropies: bool,
) -> _BlockPieces:
    """Cut one block (ending at a fragment boundary) into pieces."""
    n = layout.order
    positions = np.flatnonzero(block)
    if len(positions) == 0:
        empty = np.zeros(0, dtype=np.uint64)
        nothing = _Recorded(layout.empty(), [], empty, empty)
        return _BlockPieces(len(block), nothing, nothing, empty, empty, 0, None)
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
    rank = (np.cumsum(nonzero) - 1)[starts]  # index of each piece's first character in ``positions``
    lengths = ends - starts + 1
    rank, lengths, recut = _recut(rank, lengths, in_g, windows, layout, cohesive)
    order = np.argsort(rank)  # distinct: no ties
    rank, lengths, recut = rank[order], lengths[order], recut[order]
    starts = positions[rank]
    padded = np.concatenate(([0], block, [0])).astype(np.uint64)
    cut = _record(layout, windows, rank[~recut], starts[~recut], lengths[~recut], block, units)
    recut_pieces = _record(layout, windows, rank[recut], starts[recut], lengths[recut], block, units)
    # Every piece's neighbours (single characters' only when their entropies are asked for), and
    # every sequence's when the compound level is on.
    paired = lengths[~recut] >= (1 if single_entropies else 2)
    first, size = starts[~recut][paired], lengths[~recut][paired]
    hashes, lefts, rights = [cut.hashes[paired]], [padded[first]], [padded[first + size + 1]]
    compounds = None
    if sequence_layout is not None:
        compounds = adjacent_pieces(sequence_layout, block, starts, lengths, singles, pairs)
        hashes.append(compounds.hashes)
        lefts.append(padded[compounds.starts])
        rights.append(padded[compounds.ends + 2])
    hashed = pair_prefix(np.concatenate(hashes), layout)
    lefts, rights = np.concatenate(lefts), np.concatenate(rights)
    return _BlockPieces(
        len(block), cut, recut_pieces, np.sort(hashed | lefts), np.sort(hashed | rights), len(rank), compounds
    )


@dataclass
class _Recorded:
    """Pieces of a block: sorted keys of the short ones, strings of the long ones, the hash of each
    (short ones first, in the order given, then long ones)."""

    short: np.ndarray
    long: list[str]
    long_hashes: np.ndarray
    hashes: np.ndarray


def _record(
    layout: KeyLayout,
    windows: np.ndarray,
    rank: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    block: np.ndarray,
    units: np.ndarray,
) -> _Recorded:
    """The keys, strings and hashes of the pieces at ``starts`` (``units``: code point by id)."""
    short = lengths <= layout.order
    keys = cut_to_length(layout, windows[rank[short]], lengths[short])
    long_pieces = np.flatnonzero(~short)
    long_hashes = np.zeros(0, dtype=np.uint64)
    strings: list[str] = []
    if len(long_pieces):
        long_hashes = long_piece_hash(layout, windows, rank[long_pieces], lengths[long_pieces])
        ends = starts[long_pieces] + lengths[long_pieces]
        cps = units[block]
        strings = [
            cps[s:e].tobytes().decode("utf-32-le")
            for s, e in zip(starts[long_pieces].tolist(), ends.tolist(), strict=True)
        ]
    hashes = np.zeros(len(rank), dtype=np.uint64)
    hashes[np.flatnonzero(short)] = row_hash(keys)
    hashes[long_pieces] = long_hashes
    return _Recorded(layout.sort(keys.copy()), strings, long_hashes, hashes)


MAX_RECUT_ROUNDS = 64  # a failing piece still failing after this many cuts is dropped, as in the reference


def _recut(
    rank: np.ndarray,
    lengths: np.ndarray,
    in_g: dict[int, np.ndarray],
    windows: np.ndarray,
    layout: KeyLayout,
    cohesive: Cohesive,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid pieces, and the failing ones recut at their weakest gaps until their parts are valid.

    A piece of length 3..n must be in G, a longer one must have every n-window in G. A piece
    that fails is not dropped (the reference drops it, and every word inside with it: 泽连斯基
    in 总统泽连斯基表示): it is cut at its weakest gap, the one whose strongest spanning member
    of G is the least cohesive (统|泽, spanned only by 统泽), and each part is tested again.
    ``rank`` and the result index characters in ``positions`` order; the third array marks the
    parts of recut pieces.
    """
    n = layout.order
    total = len(windows)
    index = np.arange(total)
    next_break = np.minimum.accumulate(np.where(in_g[n], total, index)[::-1])[::-1]
    run = next_break - index  # n-windows in G from here on

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
        return rank, lengths, np.zeros(len(rank), dtype=bool)
    kept_rank, kept_lengths = [rank[ok]], [lengths[ok]]
    rank, lengths = rank[~ok], lengths[~ok]
    strength = _gap_strength(np.repeat(rank, lengths) + _offsets(lengths), in_g, windows, layout, cohesive)
    for _ in range(MAX_RECUT_ROUNDS):
        gap_starts = np.cumsum(lengths - 1) - (lengths - 1)
        gaps = np.repeat(rank, lengths - 1) + _offsets(lengths - 1)  # gap i: between characters i and i+1
        weakest = np.minimum.reduceat(strength[gaps], gap_starts)
        at_weakest = np.where(strength[gaps] == np.repeat(weakest, lengths - 1), gaps, total)
        cut = np.minimum.reduceat(at_weakest, gap_starts)  # the first weakest gap of each piece
        rank, lengths = np.concatenate((rank, cut + 1)), np.concatenate((cut - rank + 1, rank + lengths - 1 - cut))
        ok = valid(rank, lengths)
        kept_rank.append(rank[ok])
        kept_lengths.append(lengths[ok])
        rank, lengths = rank[~ok], lengths[~ok]
        if not len(rank):
            break
    recut = np.ones(sum(map(len, kept_rank)), dtype=bool)
    recut[: len(kept_rank[0])] = False
    return np.concatenate(kept_rank), np.concatenate(kept_lengths), recut


def _gap_strength(
    inside: np.ndarray, in_g: dict[int, np.ndarray], windows: np.ndarray, layout: KeyLayout, cohesive: Cohesive
) -> np.ndarray:
    """For each gap after a character at ``inside`` (its positions), the most by which a member of G
    spanning it clears the threshold of its length (ln cohesion less that threshold: longer members
    need more)."""
    strength = np.full(len(windows), -np.inf)
    for k in range(2, layout.order + 1):
        at = inside[in_g[k][inside]]
        at = at[layout.unit(windows[at], k - 1) != 0]  # a full k-gram (a shorter window may match a shorter member)
        if not len(at):
            continue
        value = cohesion_of(layout.prefix(windows[at], k), layout, cohesive) - cohesive.threshold(k)
        for j in range(k - 1):  # the members of one length start at distinct positions: no repeated index
            strength[at + j] = np.maximum(strength[at + j], value)
    return strength


def _offsets(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, length-1 for each length, concatenated."""
    total = int(lengths.sum())
    return np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
