"""Minimum-entropy lexicon induction: merge units whose merge lowers the information per character.

Merging adjacent units a, b lowers L = H / l when F*_ab = p_ab (ln(p_ab / (p_a p_b)) − 1) > 0,
so a PMI above 1 is necessary. One round:

1. count units and adjacent pairs;
2. cut the corpus between units whose pair has p_ab < min_prob or PMI < min_pmi;
3. candidates: the pieces with p ≥ min_prob (count over the round's units);
4. redundancy removal: longest candidate first, take it out, split it with the unigram
   segmenter over what is left, and keep it only if keeping it saves more than ``min_saving``
   nats of information over the corpus, c_w·(ln p(w) − Σ ln p(part) − 1) (N·F*, the first-order
   change; L = H / l is the corpus information over its characters, so this is L's change
   times the character count), and, with a ``penalty``, only if ln p(w) − Σ ln p(part) exceeds
   penalty·(len(w) − 1) too (the reference implementation's rule); otherwise its count goes to
   its parts;
5. the kept words become units of the next round.

Rounds go on while L falls (by at least min_gain) on held-out text, every 50th fragment,
left out of the counts and cut by the lexicon DP: on the counted text more merging always
lowers L, as it memorises phrases.

The defaults give words: one round, cutting at PMI < 2, with the length rule at penalty 2.
:data:`COMPOUNDS` (``MinentConfig.compounds()``, ``nlptk minent lexicon --units compounds``)
lets rounds go on at PMI ≥ 1 without the length rule, so words merge into compounds and
phrases: L falls further, but the units are no longer the words a segmenter wants.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from nlptk.checks import at_least, between, fraction, positive_float
from nlptk.errors import NlptkError
from nlptk.lexicon import best_paths, best_split
from nlptk.minent.corpus import IdBuffer, UnitCorpus
from nlptk.minent.entropy import Entropy, entropy_of
from nlptk.ngrams.counting import check_memory
from nlptk.ngrams.hashing import mix
from nlptk.ngrams.keys import count_runs, run_starts
from nlptk.ngrams.keyset import KeySet


@dataclass(frozen=True)
class MinentConfig:
    """Thresholds of :func:`induce_lexicon`; the defaults give a word lexicon, :meth:`compounds` more."""

    min_prob: float = 1e-7  # pairs and candidate pieces need at least this probability
    min_pmi: float = 2.0  # pairs need ln(p_ab / (p_a p_b)) of at least this
    min_saving: float = 20.0  # keep w only if c_w·(ln p(w) − Σ ln p(part) − 1) > this many nats
    penalty: float = 2.0  # and only if ln p(w) − Σ ln p(part) > penalty · (len(w) − 1) (0: no such rule)
    remove_redundant: bool = True  # False keeps every candidate (to measure what removal does)
    max_rounds: int = 1  # more rounds merge words into compounds and phrases
    max_units: int = 12  # longer pieces (in units) are not candidates
    min_gain: float = 1e-3  # a round must lower L by this share to be kept
    heldout_every: int = 50  # every n-th fragment measures L on unseen text (0: none, stop on the counted text)
    top: int = 0  # keep only the K most frequent words of the result (0: all)
    memory: int = 1 << 30  # bytes for a round; the corpus is cut in blocks to fit (see block_size)

    def __post_init__(self) -> None:
        positive_float("min_prob", self.min_prob)
        fraction("min_prob", self.min_prob)
        between("min_pmi", self.min_pmi, -math.inf, math.inf)  # any number, not nan
        between("min_saving", self.min_saving, -math.inf, math.inf)
        at_least("penalty", self.penalty, 0)
        at_least("max_rounds", self.max_rounds, 1)
        at_least("max_units", self.max_units, 2)
        fraction("min_gain", self.min_gain)
        if self.heldout_every:
            at_least("heldout_every", self.heldout_every, 2)
        at_least("top", self.top, 0)
        check_memory(self.memory)

    @classmethod
    def compounds(cls, **overrides: float | int | bool) -> MinentConfig:
        """The settings of :data:`COMPOUNDS` (rounds merging words into compounds and phrases),
        with ``overrides`` on top."""
        return cls(**{**COMPOUNDS, **overrides})


COMPOUNDS: dict[str, float | int] = {"max_rounds": 10, "min_pmi": 1.0, "penalty": 0.0}
"""What ``--units compounds`` changes in :class:`MinentConfig`: up to 10 rounds at PMI ≥ 1
without the length rule, so later rounds merge words into compounds and phrases."""


@dataclass(frozen=True)
class RoundStats:
    """What one round did: candidates before and after redundancy removal, and L of each."""

    round: int
    candidates: int  # multi-unit pieces with p ≥ min_prob
    kept: int  # of them, kept by redundancy removal
    cut: Entropy  # every candidate a unit (before redundancy removal)
    after: Entropy  # the units after redundancy removal
    heldout: float = math.nan  # bits per character of the held-out text cut by this round's words


@dataclass
class InducedLexicon:
    """The words (units of the last round) with their counts, and the history of L."""

    words: list[tuple[str, int]]
    characters: Entropy
    heldout_characters: float = math.nan  # bits per character of the held-out text, characters alone
    rounds: list[RoundStats] = field(default_factory=list)

    @property
    def entropy(self) -> Entropy:
        return self.rounds[-1].after if self.rounds else self.characters


def induce_lexicon(
    corpus: UnitCorpus,
    config: MinentConfig | None = None,
    on_round: Callable[[RoundStats], None] | None = None,
    in_place: bool = False,
) -> InducedLexicon:
    """Rounds of cutting and redundancy removal over ``corpus`` (characters) while L falls.

    With ``in_place`` the held-out text is taken out of ``corpus`` itself, which saves a copy
    of its ids: pass it when ``corpus`` is not used afterwards.
    """
    config = config or MinentConfig()
    heldout: list[str] = []
    if config.heldout_every:
        corpus, held = corpus.split_heldout(config.heldout_every, in_place)
        heldout = held.fragment_texts()
        del held
    best_words = corpus_words(corpus)
    result = InducedLexicon([], corpus.entropy())
    if heldout:
        result.heldout_characters = heldout_bits_per_char(best_words, heldout)
    best = result.heldout_characters if heldout else result.characters.L
    rounds = induction_rounds(corpus, config)
    del corpus  # the rounds hold it until the first one has merged it
    for stats, merged in rounds:
        words = corpus_words(merged)
        del merged
        if heldout:
            stats = replace(stats, heldout=heldout_bits_per_char(words, heldout))
        if on_round is not None:
            on_round(stats)
        level = stats.heldout if heldout else stats.after.L
        if level > best * (1 - config.min_gain):  # L stopped falling
            break
        result.rounds.append(stats)
        best_words, best = words, level
    result.words = by_frequency(best_words)[: config.top or None]
    return result


def induction_rounds(corpus: UnitCorpus, config: MinentConfig) -> Iterator[tuple[RoundStats, UnitCorpus]]:
    """Each round's statistics and merged corpus, up to ``config.max_rounds`` rounds."""
    if not corpus.unit_counts().any():
        raise NlptkError("the input holds no text to build a lexicon from (empty, or no Chinese characters)")
    for number in range(1, config.max_rounds + 1):
        stats, corpus = _round(corpus, config, number)
        yield stats, corpus


def heldout_bits_per_char(words: dict[str, int], texts: list[str]) -> float:
    """Bits per character of ``texts`` segmented by the unigram model of ``words`` (the lexicon DP)."""
    total = sum(words.values())
    max_len = max(map(len, words), default=1)
    nats = sum(best_split(text, words, total, max_len)[1] for text in texts)
    chars = sum(map(len, texts))
    return -nats / math.log(2) / chars if chars else math.nan


def corpus_words(corpus: UnitCorpus) -> dict[str, int]:
    """The units of ``corpus`` with their counts (units are distinct strings)."""
    unit_counts = corpus.unit_counts()
    used = np.flatnonzero(unit_counts)
    return dict(zip(np.array(corpus.units, dtype=object)[used].tolist(), unit_counts[used].tolist(), strict=True))


def by_frequency(words: dict[str, int]) -> list[tuple[str, int]]:
    """``(word, count)`` pairs, most frequent first, ties in string order."""
    return sorted(words.items(), key=lambda item: (-item[1], item[0]))


BLOCK_BYTES_PER_ID = 160  # temporaries of cutting a block of the corpus, per id of the block
CORPUS_COPIES = 3  # the corpus as read, this round's and the next round's
FIXED_BYTES = 64 << 20  # the interpreter and its modules
MIN_BLOCK = 1 << 12  # ids
KEYSET_BYTES_PER_KEY = 128  # a KeySet's table: up to 8 slots of 16 bytes per key


def corpus_memory(corpus: UnitCorpus) -> int:
    """Bytes that induction over ``corpus`` takes however small its blocks: the corpus ids in
    :data:`CORPUS_COPIES` copies, and :data:`FIXED_BYTES`. A smaller budget is exceeded."""
    return CORPUS_COPIES * corpus.ids.nbytes + FIXED_BYTES


def block_size(memory: int, corpus: UnitCorpus) -> int:
    """Ids per block of a round: half of what the budget leaves besides :func:`corpus_memory`
    (the other half is for the tables of pairs, pieces and words)."""
    spare = memory - corpus_memory(corpus)
    return max(MIN_BLOCK, spare // (2 * BLOCK_BYTES_PER_ID))


def _fragment_blocks(ids: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Slices ``ids[start:stop]`` of about ``size`` ids that begin and end at a separator (or the
    ends of the corpus); one block's last separator is the next one's first. A fragment longer
    than ``size`` makes a longer block. No piece or pair of units crosses a block boundary."""
    blocks = []
    start = 0
    while start + size < len(ids):
        zeros = np.flatnonzero(ids[start + 1 : start + size] == 0)
        stop = start + 1 + int(zeros[-1]) if len(zeros) else _next_zero(ids, start + size)
        if stop < 0:
            break
        blocks.append((start, stop + 1))
        start = stop
    blocks.append((start, len(ids)))
    return blocks


def _next_zero(ids: np.ndarray, start: int) -> int:
    """The position of the first 0 in ``ids`` from ``start`` on (-1: none), looked for a block at a time."""
    for at in range(start, len(ids), MIN_BLOCK):
        zeros = np.flatnonzero(ids[at : at + MIN_BLOCK] == 0)
        if len(zeros):
            return at + int(zeros[0])
    return -1


class _RunSums:
    """Distinct uint64/int64 keys with summed counts, gathered block by block; ``extra`` arrays
    keep their value at the key's first occurrence (blocks come in corpus order)."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._merged = 0  # keys in the first part, when it is the result of a merge
        self._pending = 0

    def add(self, keys: np.ndarray, counts: np.ndarray, *extra: np.ndarray) -> None:
        """Add the counts of the keys of one block (each key once)."""
        self._parts.append((keys, counts, *extra))
        self._pending += len(keys)
        if self._pending > max(self._merged, MIN_BLOCK):
            self._merge()

    def result(self) -> tuple[np.ndarray, ...]:
        """The distinct keys in order, their counts and their extra values."""
        self._merge()
        return self._parts[0]

    def _merge(self) -> None:
        columns = [np.concatenate(column) for column in zip(*self._parts, strict=True)]
        self._parts = [_sum_runs(*columns)]
        self._merged, self._pending = len(self._parts[0][0]), 0


def _sum_runs(keys: np.ndarray, counts: np.ndarray, *extra: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distinct ``keys`` in order with their summed ``counts``, and ``extra`` at each key's first row."""
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = run_starts(keys)
    first = order[starts]
    summed = np.add.reduceat(counts[order], starts) if len(starts) else counts[:0]
    return (keys[starts], summed.astype(np.int64), *(column[first] for column in extra))


@dataclass
class _Types:
    """The piece types of a cut corpus, in hash order: hash, count, length in units, and where a
    piece of the type starts in the corpus ``ids``."""

    ids: np.ndarray
    hashes: np.ndarray  # uint64, sorted
    counts: np.ndarray  # int64
    lengths: np.ndarray  # int32
    first: np.ndarray  # int64 position in ids

    @property
    def total(self) -> int:
        """Pieces in the corpus."""
        return int(self.counts.sum())

    def units(self, types: np.ndarray, n: int) -> np.ndarray:
        """The ``(len(types), n)`` unit ids of types of ``n`` units."""
        return self.ids[self.first[types, None] + np.arange(n)]


@dataclass
class _Pieces:
    """A block cut into pieces: unit values in order, and per piece its start, length, hash and place."""

    values: np.ndarray  # the non-zero ids of the block, in order
    starts: np.ndarray  # index into values
    lengths: np.ndarray
    separator_after: np.ndarray  # a fragment ends after this piece
    hashes: np.ndarray  # equal unit sequences, equal hash
    offsets: np.ndarray  # where the piece starts in the block


def _round(corpus: UnitCorpus, config: MinentConfig, number: int) -> tuple[RoundStats, UnitCorpus]:
    units = corpus.units
    blocks = _fragment_blocks(corpus.ids, block_size(config.memory, corpus))
    unit_counts = corpus.unit_counts()
    lookup_memory = max(0, config.memory - corpus_memory(corpus)) // 4
    strong = _Lookup(_strong_pairs(corpus.ids, blocks, unit_counts, config), lookup_memory)
    types = _count_types(corpus.ids, blocks, strong, len(units))
    type_lookup = _Lookup(types.hashes, lookup_memory)
    unit_lengths = corpus.unit_lengths
    type_units = types.lengths
    # p of a piece is its count over the units of the round (the characters in round 1), the
    # total that pair probabilities use too; over the pieces, min_prob would admit every piece.
    min_count = config.min_prob * int(unit_counts.sum())
    candidate = (type_units > 1) & (type_units <= config.max_units) & (types.counts >= min_count)
    type_chars = _type_chars(types, candidate, unit_lengths)
    single = np.flatnonzero(type_units == 1)
    alone = np.zeros(len(units), dtype=np.int64)  # how often each unit is a piece by itself
    alone[corpus.ids[types.first[single]]] = types.counts[single]
    cut_entropy = _entropy_of_types(types, candidate, unit_counts, unit_lengths, type_chars)

    removal = _RedundancyRemoval(
        types, type_lookup, candidate, alone, type_chars, config if config.remove_redundant else None
    )
    kept = np.flatnonzero(candidate & ~removal.removed)
    # A kept piece may spell a unit that exists already (its characters were not merged everywhere
    # last round) or another kept piece: one string, one unit.
    unit_id = {u: i for i, u in enumerate(units)}
    new_units = list(units)
    type_unit = np.full(len(type_units), -1, dtype=np.int32)
    for t, name in zip(kept.tolist(), _type_names(types, units, kept), strict=True):
        found = unit_id.get(name)
        if found is None:
            found = unit_id[name] = len(new_units)
            new_units.append(name)
        type_unit[t] = found
    del unit_id
    emit = _Emit(type_lookup, type_unit, _Expansion(removal, type_unit))
    del removal
    out = IdBuffer(len(corpus.ids) + 2)  # a piece never grows; the ends may gain a separator
    for index, (start, stop) in enumerate(blocks):
        emitted = emit(_cut(corpus.ids[start:stop], strong, len(units)))
        out.append(emitted if index == 0 else emitted[1:])  # the separator the blocks share, once
    merged = UnitCorpus(new_units, out.ids())
    stats = RoundStats(number, int(candidate.sum()), len(kept), cut_entropy, merged.entropy())
    return stats, merged


def _strong_pairs(
    ids: np.ndarray, blocks: list[tuple[int, int]], counts: np.ndarray, config: MinentConfig
) -> np.ndarray:
    """Keys ``a·V + b`` of the adjacent pairs with p_ab ≥ min_prob and PMI ≥ min_pmi (sorted)."""
    vocab = np.int64(len(counts))
    pairs = _RunSums()
    for start, stop in blocks:
        left, right = ids[start : stop - 1], ids[start + 1 : stop]
        inside = (left != 0) & (right != 0)
        pairs.add(*count_runs(np.sort(left[inside].astype(np.int64) * vocab + right[inside])))
    pair_keys, pair_counts = pairs.result()
    pair_total = pair_counts.sum()
    unit_total = counts.sum()
    with np.errstate(divide="ignore"):
        pmi = (
            np.log(pair_counts / pair_total)
            - np.log(counts[pair_keys // vocab] / unit_total)
            - np.log(counts[pair_keys % vocab] / unit_total)
        )
    return pair_keys[(pair_counts >= config.min_prob * pair_total) & (pmi >= config.min_pmi)]


def _count_types(ids: np.ndarray, blocks: list[tuple[int, int]], strong: _Lookup, vocab: int) -> _Types:
    """The piece types of the corpus cut block by block."""
    types = _RunSums()
    for start, stop in blocks:
        pieces = _cut(ids[start:stop], strong, vocab)
        hashes, counts, lengths, offsets = _sum_runs(
            pieces.hashes, np.ones(len(pieces.hashes), dtype=np.int32), pieces.lengths, pieces.offsets
        )
        types.add(hashes, counts, lengths.astype(np.int32), offsets + start)
    hashes, counts, lengths, first = types.result()
    return _Types(ids, hashes, counts, lengths, first)


def _cut(ids: np.ndarray, strong: _Lookup, vocab: int) -> _Pieces:
    """Cut between units whose pair is not ``strong``; pieces hashed to 64 bits by their units."""
    left, right = ids[:-1], ids[1:]
    inside = (left != 0) & (right != 0)
    joined = np.zeros(len(ids) - 1, dtype=bool)
    if len(strong.keys) and inside.any():
        keys = left[inside].astype(np.int64) * vocab + right[inside]
        joined[inside] = strong.index(keys) >= 0

    nonzero = ids != 0
    values = ids[nonzero]
    # In the sequence of non-zero ids, a piece goes on from one unit to the next iff they are joined.
    positions = np.flatnonzero(nonzero)
    continues = np.zeros(len(values), dtype=bool)
    inner = positions < len(ids) - 1
    continues[inner] = joined[positions[inner]]
    starts = np.flatnonzero(np.concatenate(([True], ~continues[:-1]))) if len(values) else np.zeros(0, np.int64)
    lengths = np.diff(np.append(starts, len(values)))
    after = positions[starts + lengths - 1] + 1
    separator_after = np.ones(len(starts), dtype=bool)
    within = after < len(ids)
    separator_after[within] = ids[after[within]] == 0
    hashes = _hash_runs(values, starts, lengths)
    return _Pieces(values, starts, lengths, separator_after, hashes, positions[starts])


def _type_chars(types: _Types, candidate: np.ndarray, unit_lengths: np.ndarray) -> np.ndarray:
    """Characters of each candidate type (0 for the others)."""
    chars = np.zeros(len(candidate), dtype=np.int64)
    rows = np.flatnonzero(candidate)
    lengths = types.lengths[rows]
    if len(rows):
        chars[rows] = np.add.reduceat(
            unit_lengths[types.ids[_ranges(types.first[rows], lengths)]], np.cumsum(lengths) - lengths
        )
    return chars


class _RedundancyRemoval:
    """Redundancy removal over the candidate piece types, longest (in units) first.

    A candidate is split at unit boundaries into single units and other candidates, by the
    unigram DP over piece probabilities. Candidates of one length cannot contain each other,
    so each length is decided in one vectorised pass, with the counts given by the longer
    ones already removed. The parts of a removed candidate are kept as codes: a unit ``u`` as
    ``u``, a candidate type ``t`` as ``~t``. Without a ``config``, every candidate is kept.
    """

    def __init__(
        self,
        types: _Types,
        lookup: _Lookup,
        candidate: np.ndarray,
        alone: np.ndarray,
        type_chars: np.ndarray,
        config: MinentConfig | None,
    ) -> None:
        self.types = types
        self.lookup = lookup  # of types.hashes
        self.counts = types.counts.astype(np.float64)
        self.alone = alone.astype(np.float64)
        self.log_total = math.log(max(types.total, 1))
        ids = np.flatnonzero(candidate)
        self.candidate = candidate
        self.removed = np.zeros(len(candidate), dtype=bool)
        self.part_codes = array("q")
        self.part_start = np.zeros(len(candidate), dtype=np.int64)  # of a removed type's codes
        self.part_count = np.zeros(len(candidate), dtype=np.int32)
        type_units = types.lengths
        for n in sorted(set(type_units[ids].tolist()), reverse=True) if config is not None else []:
            rows = ids[type_units[ids] == n]
            self._decide(rows, n, type_chars[rows], config)

    def _logp_types(self, types: np.ndarray) -> np.ndarray:
        logp = np.full(len(types), -np.inf)
        found = types >= 0
        logp[found] = np.log(np.maximum(self.counts[types[found]], 1)) - self.log_total
        return logp

    def _decide(self, rows: np.ndarray, n: int, chars: np.ndarray, config: MinentConfig) -> None:
        units = self.types.units(rows, n)  # (m, n) unit ids
        m = len(rows)
        # span_type[i][j]: the candidate type of units i..j-1 (-1: none); single units need none
        span_type: dict[tuple[int, int], np.ndarray] = {}
        for i in range(n):
            terms = mix((np.arange(n - i, dtype=np.uint64)[None, :] << np.uint64(32)) | units[:, i:].astype(np.uint64))
            sums = np.cumsum(terms, axis=1, dtype=np.uint64)
            for j in range(i + 2, n + 1):
                if (i, j) == (0, n):
                    continue
                hashes = mix(sums[:, j - i - 1] ^ np.uint64(j - i))
                index = self.lookup.index(hashes)
                found = (index >= 0) & (hashes != 0)  # hash 0 is never matched (as a hash-set lookup did)
                span_type[i, j] = np.where(found & self.candidate[index], index, -1)

        def span_logp(i: int, j: int) -> np.ndarray | None:
            if j == i + 1:
                return np.log(np.maximum(self.alone[units[:, i]], 1)) - self.log_total
            return self._logp_types(span_type[i, j]) if (i, j) in span_type else None

        split_logp, best_end = best_paths(n, m, span_logp)
        own = np.log(np.maximum(self.counts[rows], 1)) - self.log_total
        gain = own - split_logp  # ln p(w) − Σ ln p(part) over its best split
        saving = self.counts[rows] * (gain - 1)  # nats of corpus information that keeping w saves
        remove = (saving <= config.min_saving) | (gain <= config.penalty * (chars - 1))
        for r in np.flatnonzero(remove).tolist():
            word = int(rows[r])
            self.part_start[word] = len(self.part_codes)
            i = 0
            while i < n:
                j = int(best_end[r, i])
                if j == i + 1:
                    unit = int(units[r, i])
                    self.part_codes.append(unit)
                    self.alone[unit] += self.counts[word]
                else:
                    part = int(span_type[i, j][r])
                    self.part_codes.append(~part)
                    self.counts[part] += self.counts[word]
                i = j
            self.part_count[word] = len(self.part_codes) - self.part_start[word]
            self.removed[word] = True


class _Expansion:
    """The units each removed candidate type becomes: ``flat[start[t] : start[t] + length[t]]``."""

    def __init__(self, removal: _RedundancyRemoval, type_unit: np.ndarray) -> None:
        flat = array("i")
        self.start = np.zeros(len(type_unit), dtype=np.int64)
        self.length = np.zeros(len(type_unit), dtype=np.int64)
        removed = np.flatnonzero(removal.removed)
        lengths = removal.types.lengths
        for t in removed[np.argsort(lengths[removed], kind="stable")].tolist():  # parts before wholes
            self.start[t] = len(flat)
            first = int(removal.part_start[t])
            for code in removal.part_codes[first : first + int(removal.part_count[t])]:
                if code >= 0:
                    flat.append(code)
                elif type_unit[~code] >= 0:
                    flat.append(int(type_unit[~code]))
                else:
                    at = int(self.start[~code])
                    flat.extend(flat[at : at + int(self.length[~code])])
            self.length[t] = len(flat) - self.start[t]
        self.flat = np.frombuffer(flat, dtype=np.int32) if len(flat) else np.zeros(0, dtype=np.int32)


def _hash_runs(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each run ``values[s : s + n]``: the sum of hashed (offset, value) pairs, hashed with n."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    index = _ranges(starts, lengths)
    run_starts = np.cumsum(lengths) - lengths
    offsets = (np.arange(len(index), dtype=np.int64) - np.repeat(run_starts, lengths)).astype(np.uint64)
    terms = mix((offsets << np.uint64(32)) | values[index].astype(np.uint64))
    return mix(np.add.reduceat(terms, run_starts) ^ lengths.astype(np.uint64))


def _type_names(types: _Types, units: list[str], rows: np.ndarray) -> list[str]:
    """The string of each piece type in ``rows`` (concatenated in numpy, one unit length at a time)."""
    names = np.empty(len(rows), dtype=object)
    table = np.array(units, dtype=object)
    lengths = types.lengths[rows]
    for n in np.unique(lengths).tolist():
        where = np.flatnonzero(lengths == n)
        ids = types.units(rows[where], n)
        joined = table[ids[:, 0]]
        for k in range(1, n):
            joined = joined + table[ids[:, k]]
        names[where] = joined
    return names.tolist()


class _Emit:
    """The next corpus block by block: each piece as one unit (``type_unit`` ≥ 0), as the units of
    its ``expansion`` (removed candidates), or as the units it was made of; fragments separated."""

    def __init__(self, lookup: _Lookup, type_unit: np.ndarray, expansion: _Expansion) -> None:
        self.lookup = lookup  # of the piece types' hashes
        self.type_unit = type_unit
        self.expanded = expansion.length > 0
        self.expansion_length = expansion.length
        self.expansion_start = expansion.start
        self.flat = expansion.flat

    def __call__(self, pieces: _Pieces) -> np.ndarray:
        """The block's ids, starting with a separator."""
        types = self.lookup.index(pieces.hashes)  # every piece is one of the types
        unit = self.type_unit[types]
        whole = unit >= 0
        expanded = self.expanded[types]
        copy = ~whole & ~expanded
        exp_len = self.expansion_length[types]
        out_len = np.where(whole, 1, np.where(expanded, exp_len, pieces.lengths)) + pieces.separator_after
        out_start = np.concatenate(([1], 1 + np.cumsum(out_len)[:-1])) if len(out_len) else np.zeros(0, np.int64)
        out = np.zeros(1 + int(out_len.sum()), dtype=np.int32)  # starts with a separator

        out[out_start[whole]] = unit[whole]
        lengths = pieces.lengths[copy]
        out[_ranges(out_start[copy], lengths)] = pieces.values[_ranges(pieces.starts[copy], lengths)]
        lengths = exp_len[expanded]
        starts = self.expansion_start[types[expanded]]
        out[_ranges(out_start[expanded], lengths)] = self.flat[_ranges(starts, lengths)]
        return out


class _Lookup:
    """The index of each query among distinct sorted non-zero keys, or -1: a hash set (a few gathers
    per query) when its table fits in ``memory`` bytes, binary search (no extra memory) otherwise."""

    def __init__(self, sorted_keys: np.ndarray, memory: int) -> None:
        self.keys = sorted_keys
        fits = KEYSET_BYTES_PER_KEY * len(sorted_keys) <= memory
        self.hashed = KeySet(sorted_keys.astype(np.uint64)) if fits and len(sorted_keys) else None

    def index(self, queries: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.full(len(queries), -1, dtype=np.int64)
        if self.hashed is not None:
            return self.hashed.index(queries.astype(np.uint64))
        index = np.minimum(np.searchsorted(self.keys, queries), len(self.keys) - 1)
        return np.where(self.keys[index] == queries, index, -1)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(s, s + n)`` for each start and length."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts.astype(np.int64), lengths) + offsets


def _entropy_of_types(
    types: _Types, candidate: np.ndarray, unit_counts: np.ndarray, unit_lengths: np.ndarray, type_chars: np.ndarray
) -> Entropy:
    """L when every candidate piece is a unit and every other piece stays in its units."""
    left = unit_counts.copy()  # the units outside candidate pieces
    rows = np.flatnonzero(candidate)
    for n in np.unique(types.lengths[rows]).tolist():
        of_n = rows[types.lengths[rows] == n]
        np.subtract.at(left, types.units(of_n, n).ravel(), np.repeat(types.counts[of_n], n))
    return entropy_of(
        np.concatenate([left, types.counts[candidate]]),
        np.concatenate([unit_lengths, type_chars[candidate]]),
    )
