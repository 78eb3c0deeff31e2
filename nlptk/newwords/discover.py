"""Unsupervised new-word discovery by multi-order cohesion, with a boundary-statistics filter.

1. Count all 1..n-grams (:mod:`nlptk.ngrams`).
2. Keep the n-grams G (2 ≤ length ≤ n) with count ≥ min_count whose cohesion, the minimum
   over binary splits of P(w) / (P(left)·P(right)), reaches e^threshold[length].
3. Cut every fragment at each gap that no member of G spans; count the pieces.
4. Backward filter: a piece of length 3..n must be in G; a longer one must have every
   n-length window in G.
5. Beyond the reference: a piece whose neighbours are nearly always the same character
   (枝繁叶 is followed by 茂) or barely vary (low branching entropy) is a fragment of a
   longer unit, not a word, and is rejected.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_chunks, resolve_inputs
from nlptk.lexicon import function_characters
from nlptk.ngrams.counting import NgramCounter, WindowStore, chunk_bytes_for
from nlptk.ngrams.keys import KeyLayout, count_runs
from nlptk.ngrams.keyset import KeySet
from nlptk.parallel import ordered_map
from nlptk.progress import NoProgress, Progress
from nlptk.text import CharClass, LatinMode, classify

DEFAULT_THRESHOLDS = (2.0, 4.0, 6.0)  # ln cohesion for lengths 2, 3, 4 (word-discovery's defaults)
MAX_CARRY = 1 << 22  # a fragment longer than this many characters is cut (memory bound)
PAIR_LAYOUT = KeyLayout(order=4, bits=16)  # partitions (piece hash, neighbour) keys by their top bits


@dataclass(frozen=True)
class DiscoveryConfig:
    """Settings of :func:`discover_words`; the defaults follow the reference implementation."""

    order: int = 4
    min_count: int = 32
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    latin: LatinMode = "split"
    memory: int = 1 << 30
    encoding_errors: EncodingErrors = "strict"
    reject_fragments: bool = True
    max_neighbour_share: float = 0.75
    min_entropy: float = 0.6

    def threshold(self, length: int) -> float:
        """ln-cohesion threshold for n-grams of ``length``; past the given ones it grows by 2 per character."""
        if length - 2 < len(self.thresholds):
            return self.thresholds[length - 2]
        return self.thresholds[-1] + 2.0 * (length - 1 - len(self.thresholds))


@dataclass
class Word:
    """A discovered word with the statistics it was judged by."""

    word: str
    count: int
    cohesion: float  # ln of the minimum split ratio (min over n-windows for long words); nan for one character
    left_entropy: float  # branching entropy of the preceding character, in nats
    right_entropy: float
    left_share: float = 0.0  # share of the most frequent preceding character
    right_share: float = 0.0


MAX_PAIR_TABLE = 1 << 26  # bytes of the bigram-prefix table; larger vocabularies probe the hash set only


@dataclass
class _Cohesive:
    """The n-grams G: packed keys (all orders together), their ln cohesion and fast membership.

    ``pair_flags[dense[a] * width + dense[b]]`` has bit k-2 set when some member of length k
    starts with the bigram ``ab``, so only a few positions need a hash probe for k ≥ 3.
    """

    keys: np.ndarray
    cohesion: np.ndarray
    members: KeySet
    dense: np.ndarray | None = None  # vocabulary id -> dense id of a character in some member (0: none)
    pair_flags: np.ndarray | None = None

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


def _pair_table(layout: KeyLayout, keys: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The dense character ids and bigram-prefix flags of :class:`_Cohesive` (None if too large)."""
    if len(keys) == 0 or layout.words != 1:
        return None
    first, second = layout.unit(keys, 0), layout.unit(keys, 1)
    used = np.unique(np.concatenate((first, second)))
    width = len(used) + 1
    if width * width > MAX_PAIR_TABLE:
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


def discover_words(
    inputs: Iterable[str],
    config: DiscoveryConfig | None = None,
    progress: Progress | None = None,
) -> list[Word]:
    """Discover words in the texts at ``inputs`` (paths, globs or ``-``), most frequent first."""
    config = config or DiscoveryConfig()
    progress = progress or NoProgress()
    if config.order < 2:
        raise NlptkError("newwords needs --order of at least 2")
    sources = resolve_inputs(inputs)
    sizes = [s.size() for s in sources]
    input_bytes = None if None in sizes else sum(sizes)  # type: ignore[arg-type]
    with NgramCounter(config.order, config.latin, config.memory, input_bytes=input_bytes, keep_ids=True) as counter:
        progress.stage("counting", input_bytes)
        counter.add_all(read_chunks(sources, chunk_bytes_for(config.memory), config.encoding_errors, progress.advance))
        if counter.chars == 0:
            raise NlptkError("the input holds no text to discover words in (empty, or no Chinese characters)")
        progress.stage("cohesion")
        unigram_total, frequent = _frequent_ngrams(counter, config.min_count)
        cohesive = _cohesive_ngrams(counter.layout, frequent, unigram_total, config, len(counter.vocab))
        progress.stage("cutting", counter.chars)
        return _cut_and_count(counter, cohesive, config, progress)


def _frequent_ngrams(counter: NgramCounter, min_count: int) -> tuple[int, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The total character count and, per order, the n-grams occurring at least ``min_count`` times."""
    total = 0
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for partition in counter.partitions():
        for k, (keys, counts) in partition.items():
            if k == 1:
                total += int(counts.sum())
            keep = counts >= min_count
            parts.setdefault(k, []).append((keys[keep], counts[keep]))
    layout = counter.layout
    frequent = {
        k: (layout.concat([p[0] for p in chunks]), np.concatenate([p[1] for p in chunks]))
        for k, chunks in parts.items()
    }
    return total, frequent


def _shift_left(layout: KeyLayout, keys: np.ndarray, k: int, j: int) -> np.ndarray:
    """Keys of the suffixes that drop the first ``j`` of ``k`` units."""
    units = layout.unpack(keys, k)
    return layout.pack(units[:, j:])


def _cohesive_ngrams(
    layout: KeyLayout,
    frequent: dict[int, tuple[np.ndarray, np.ndarray]],
    total: int,
    config: DiscoveryConfig,
    vocab_size: int,
) -> _Cohesive:
    """G: frequent n-grams of length ≥ 2 whose ln cohesion reaches the threshold of their length."""
    log_total = math.log(total)
    log_counts = {k: np.log(counts.astype(np.float64)) for k, (_, counts) in frequent.items()}
    kept_keys, kept_cohesion = [], []
    for k in range(2, layout.order + 1):
        keys, _ = frequent.get(k, (layout.empty(), None))
        if len(keys) == 0:
            continue
        cohesion = np.full(len(keys), np.inf)
        for j in range(1, k):
            left = _lookup_log_count(layout, frequent, log_counts, j, layout.prefix(keys, j))
            right = _lookup_log_count(layout, frequent, log_counts, k - j, _shift_left(layout, keys, k, j))
            cohesion = np.minimum(cohesion, log_total + log_counts[k] - left - right)
        keep = cohesion >= config.threshold(k)
        kept_keys.append(keys[keep])
        kept_cohesion.append(cohesion[keep])
    keys = layout.concat(kept_keys)
    cohesion = np.concatenate(kept_cohesion) if kept_cohesion else np.zeros(0)
    members = KeySet(keys if layout.words == 1 else _row_hash(keys))
    table = _pair_table(layout, keys, vocab_size)
    return _Cohesive(keys, cohesion, members, *(table or (None, None)))


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


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijective scramble of 64-bit values."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def _row_hash(keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each key (rows of wide keys are chained)."""
    if keys.ndim == 1:
        return _mix(keys)
    h = np.zeros(len(keys), dtype=np.uint64)
    for column in keys.T:
        h = _mix(h ^ column)
    return h


def _id_blocks_with_carry(counter: NgramCounter) -> Iterator[np.ndarray]:
    """The corpus ids in blocks that end at a fragment boundary (or after MAX_CARRY characters)."""
    carry = np.zeros(0, dtype=np.uint32)
    for ids in counter.id_blocks or ():
        block = np.concatenate((carry, ids.astype(np.uint32)))
        separators = np.flatnonzero(block == 0)
        if len(separators) and len(block) - separators[-1] - 1 <= MAX_CARRY:
            end = int(separators[-1]) + 1
        elif len(block) > MAX_CARRY:
            end = len(block)
        else:
            carry = block
            continue
        yield block[:end]
        carry = block[end:]
    if len(carry):
        yield np.concatenate((carry, np.zeros(1, dtype=np.uint32)))


@dataclass
class _Pieces:
    """Running totals of the cut pass."""

    short: WindowStore
    left_pairs: WindowStore
    right_pairs: WindowStore
    long: Counter[str] = field(default_factory=Counter)


def _cut_and_count(
    counter: NgramCounter, cohesive: _Cohesive, config: DiscoveryConfig, progress: Progress
) -> list[Word]:
    layout = counter.layout
    hold = config.memory // 16
    pieces = _Pieces(
        short=WindowStore(layout, hold, counter.tmpdir, 8, name="pieces"),
        left_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, 8, name="left"),
        right_pairs=WindowStore(PAIR_LAYOUT, hold, counter.tmpdir, 8, name="right"),
    )
    units = counter.vocab.unit_array()

    def cut(block: np.ndarray) -> _BlockPieces:
        return _cut_block(block, layout, cohesive, units)

    for block_pieces in ordered_map(cut, _id_blocks_with_carry(counter)):
        progress.advance(block_pieces.chars)
        pieces.short.add(block_pieces.short)
        pieces.left_pairs.add(block_pieces.left_pairs)
        pieces.right_pairs.add(block_pieces.right_pairs)
        pieces.long.update(block_pieces.long)
    return _collect(counter, cohesive, pieces, config)


def _membership(keys: np.ndarray, layout: KeyLayout, cohesive: _Cohesive) -> np.ndarray:
    return cohesive.members.contains(keys if layout.words == 1 else _row_hash(keys))


def _members_at(
    windows: np.ndarray, positions: np.ndarray, block: np.ndarray, layout: KeyLayout, cohesive: _Cohesive
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
        found[candidates] = _membership(layout.prefix(windows[candidates], k), layout, cohesive)
        in_g[k] = found
    return in_g


@dataclass
class _BlockPieces:
    """The pieces of one block: sorted keys of short pieces, (hash|neighbour) pairs, long piece strings."""

    chars: int
    short: np.ndarray
    left_pairs: np.ndarray
    right_pairs: np.ndarray
    long: list[str]


def _cut_block(block: np.ndarray, layout: KeyLayout, cohesive: _Cohesive, units: np.ndarray) -> _BlockPieces:
    """Cut one block (ending at a fragment boundary) into pieces."""
    n = layout.order
    positions = np.flatnonzero(block)
    if len(positions) == 0:
        empty = np.zeros(0, dtype=np.uint64)
        return _BlockPieces(len(block), layout.empty(), empty, empty, [])
    windows = layout.windows(block)  # one per entry of ``positions``
    in_g = _members_at(windows, positions, block, layout, cohesive)
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
    lengths = ends - starts + 1
    rank = np.searchsorted(positions, starts)  # index of each piece's first character in ``positions``
    padded = np.concatenate(([0], block, [0])).astype(np.uint64)
    left, right = padded[starts], padded[ends + 2]

    # Backward filter: length 3..n pieces must be in G; longer ones need every n-window in G.
    keep = lengths <= n
    for k in range(3, n + 1):
        is_k = lengths == k
        keep[is_k] = in_g[k][rank[is_k]]
    short_keys = _cut_to_length(layout, windows[rank[keep]], lengths[keep])
    short_sorted = layout.sort(short_keys.copy())
    long_strings: list[str] = []
    multi = lengths[keep] >= 2
    hashes, lefts, rights = [_row_hash(short_keys[multi])], [left[keep][multi]], [right[keep][multi]]

    long_pieces = np.flatnonzero(lengths > n)
    if len(long_pieces):
        in_g_n = np.concatenate(([0], np.cumsum(in_g[n])))
        first, needed = rank[long_pieces], lengths[long_pieces] - n + 1
        long_pieces = long_pieces[(in_g_n[first + needed] - in_g_n[first]) == needed]
    if len(long_pieces):
        hashes.append(_long_piece_hash(layout, windows, rank[long_pieces], lengths[long_pieces]))
        lefts.append(left[long_pieces])
        rights.append(right[long_pieces])
        cps = units[block]
        for s, e in zip(starts[long_pieces].tolist(), (ends[long_pieces] + 1).tolist(), strict=True):
            long_strings.append(cps[s:e].tobytes().decode("utf-32-le"))
    hashed = _pair_prefix(np.concatenate(hashes), layout)
    left_pairs = np.sort(hashed | np.concatenate(lefts))
    right_pairs = np.sort(hashed | np.concatenate(rights))
    return _BlockPieces(len(block), short_sorted, left_pairs, right_pairs, long_strings)


def _pair_prefix(hashes: np.ndarray, layout: KeyLayout) -> np.ndarray:
    """Piece hashes with their low ``bits`` cleared, to be or-ed with a neighbour id."""
    bits = np.uint64(layout.bits)
    return hashes >> bits << bits


def _cut_to_length(layout: KeyLayout, windows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Windows cut to each piece's length."""
    out = windows.copy()
    for k in range(1, layout.order):
        sel = lengths == k
        if sel.any():
            out[sel] = layout.prefix(windows[sel], k)
    return out


def _long_piece_hash(layout: KeyLayout, windows: np.ndarray, first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of pieces longer than n, chained over their n-unit blocks."""
    n = layout.order
    h = np.zeros(len(first), dtype=np.uint64)
    for j in range(0, int(lengths.max()), n):
        alive = lengths > j
        block_keys = _cut_to_length(layout, windows[np.where(alive, first + j, first)], np.minimum(lengths - j, n))
        h = np.where(alive, _mix(h ^ _row_hash(block_keys)), h)
    return _mix(h ^ np.uint64(0xA5A5A5A5A5A5A5A5))


def _collect(counter: NgramCounter, cohesive: _Cohesive, pieces: _Pieces, config: DiscoveryConfig) -> list[Word]:
    """Frequent pieces with their cohesion and boundary statistics, fragments rejected."""
    layout = counter.layout
    table_units = counter.vocab.unit_array()
    words: list[str] = []
    counts: list[np.ndarray] = []
    cohesions: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    for sorted_keys in pieces.short.sorted_partitions():
        keys, freq = count_runs(sorted_keys)
        keep = freq >= config.min_count
        keys, freq = keys[keep], freq[keep]
        lengths = np.zeros(len(keys), dtype=np.int64)
        for k in range(layout.order):
            lengths += layout.unit(keys, k) != 0
        for k in range(1, layout.order + 1):
            sel = lengths == k
            if not sel.any():
                continue
            cps = table_units[layout.unpack(keys[sel], k)]
            words.extend(np.ascontiguousarray(cps).view(f"<U{k}").ravel().tolist())
            counts.append(freq[sel])
            cohesions.append(_cohesion_of(keys[sel], layout, cohesive) if k >= 2 else np.full(sel.sum(), np.nan))
            hashes.append(_row_hash(keys[sel]))
    long_words = sorted(w for w, c in pieces.long.items() if c >= config.min_count)
    for word in long_words:
        ids = counter.vocab.encode_chars(
            np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32), np.ones(len(word), bool), grow=False
        )
        windows = layout.windows(np.append(ids, 0))
        words.append(word)
        counts.append(np.array([pieces.long[word]]))
        cohesions.append(np.array([_cohesion_of(windows[: len(word) - layout.order + 1], layout, cohesive).min()]))
        hashes.append(_long_piece_hash(layout, windows, np.zeros(1, dtype=np.int64), np.array([len(word)])))
    count_array = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    cohesion_array = np.concatenate(cohesions) if cohesions else np.zeros(0)
    hash_array = _pair_prefix(np.concatenate(hashes), layout) if hashes else np.zeros(0, dtype=np.uint64)
    left = _branching(pieces.left_pairs, hash_array, layout)
    right = _branching(pieces.right_pairs, hash_array, layout)
    result = [
        Word(
            word,
            int(count_array[i]),
            float(cohesion_array[i]),
            left_entropy=float(left[0][i]),
            right_entropy=float(right[0][i]),
            left_share=float(left[1][i]),
            right_share=float(right[1][i]),
        )
        for i, word in enumerate(words)
    ]
    if config.reject_fragments:
        result = reject_fragments(result, config)
    result.sort(key=lambda w: (-w.count, w.word))
    return result


def reject_fragments(words: list[Word], config: DiscoveryConfig) -> list[Word]:
    """Drop pieces that are parts of longer units or a word with a function character stuck on.

    - one neighbour nearly always extends it (枝繁叶 → 茂): top neighbour share ≥ ``max_neighbour_share``;
    - its neighbours barely vary: branching entropy < ``min_entropy`` on either side;
    - three or more characters made of a one-character function word (的 了 在 把 是 …) and a
      discovered word (的田野 = 的 + 田野, 走上了 = 走上 + 了);
    - numbers, alone or with Han characters (23, 3个, 31日): quantities, not words.
    """
    function_chars = function_characters()
    pieces = {w.word for w in words}
    kept = []
    for word in words:
        text = word.word
        classes = classify(text)
        if (classes == CharClass.DIGIT).any() and not (classes == CharClass.LATIN).any():
            continue
        if len(text) >= 2 and (
            max(word.left_share, word.right_share) >= config.max_neighbour_share
            or min(word.left_entropy, word.right_entropy) < config.min_entropy
        ):
            continue
        if len(text) >= 3 and (
            (text[0] in function_chars and text[1:] in pieces) or (text[-1] in function_chars and text[:-1] in pieces)
        ):
            continue
        kept.append(word)
    return kept


def _cohesion_of(keys: np.ndarray, layout: KeyLayout, cohesive: _Cohesive) -> np.ndarray:
    index = cohesive.members.index(keys if layout.words == 1 else _row_hash(keys))
    return np.where(index >= 0, cohesive.cohesion[np.maximum(index, 0)], np.nan)


def _branching(pairs: WindowStore, hashes: np.ndarray, layout: KeyLayout) -> tuple[np.ndarray, np.ndarray]:
    """Branching entropy (nats) and top-neighbour share of each piece hash, from (hash|neighbour) keys.

    Occurrences at a fragment boundary count as distinct outcomes: they add to the total but
    neither to a neighbour's share nor to the concentration of the distribution.
    """
    members = KeySet(hashes)
    low = np.uint64((1 << layout.bits) - 1)
    total = np.zeros(len(hashes))
    plogp = np.zeros(len(hashes))
    top = np.zeros(len(hashes))
    for sorted_keys in pairs.sorted_partitions():
        keys, freq = count_runs(sorted_keys)
        owner = members.index(keys & ~low)
        sel = owner >= 0
        owner, freq, neighbour = owner[sel], freq[sel].astype(np.float64), (keys[sel] & low)
        np.add.at(total, owner, freq)
        real = neighbour != 0
        np.add.at(plogp, owner[real], freq[real] * np.log(freq[real]))
        np.maximum.at(top, owner[real], freq[real])
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(total > 0, np.log(np.maximum(total, 1)) - plogp / np.maximum(total, 1), np.nan)
        share = np.where(total > 0, top / np.maximum(total, 1), np.nan)
    return entropy, share
