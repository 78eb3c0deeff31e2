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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from nlptk.checks import at_least, between, fraction, positive_float
from nlptk.errors import NlptkError
from nlptk.lexicon import best_split
from nlptk.minent.corpus import UnitCorpus
from nlptk.minent.entropy import Entropy, entropy_of
from nlptk.newwords.hashing import mix
from nlptk.ngrams.keys import count_runs
from nlptk.ngrams.keyset import KeySet


@dataclass(frozen=True)
class MinentConfig:
    """Thresholds of :func:`induce_lexicon`."""

    min_prob: float = 1e-7  # pairs and candidate pieces need at least this probability
    min_pmi: float = 1.0  # pairs need ln(p_ab / (p_a p_b)) of at least this
    min_saving: float = 20.0  # keep w only if c_w·(ln p(w) − Σ ln p(part) − 1) > this many nats
    penalty: float = 0.0  # and only if ln p(w) − Σ ln p(part) > penalty · (len(w) − 1) (0: no such rule)
    remove_redundant: bool = True  # False keeps every candidate (to measure what removal does)
    max_rounds: int = 10
    max_units: int = 12  # longer pieces (in units) are not candidates
    min_gain: float = 1e-3  # a round must lower L by this share to be kept
    heldout_every: int = 50  # every n-th fragment measures L on unseen text (0: none, stop on the counted text)
    top: int = 0  # keep only the K most frequent words of the result (0: all)

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
) -> InducedLexicon:
    """Rounds of cutting and redundancy removal over ``corpus`` (characters) while L falls."""
    config = config or MinentConfig()
    heldout: list[str] = []
    if config.heldout_every:
        corpus, held = corpus.split_heldout(config.heldout_every)
        heldout = held.fragment_texts()
    best_words = corpus_words(corpus)
    result = InducedLexicon([], corpus.entropy())
    if heldout:
        result.heldout_characters = heldout_bits_per_char(best_words, heldout)
    best = result.heldout_characters if heldout else result.characters.L
    for stats, merged in induction_rounds(corpus, config):
        words = corpus_words(merged)
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


@dataclass
class _Pieces:
    """The corpus cut into pieces: unit values in order, and per piece its start, length and type."""

    values: np.ndarray  # the non-zero ids of the corpus, in order
    starts: np.ndarray  # index into values
    lengths: np.ndarray
    separator_after: np.ndarray  # a fragment ends after this piece
    types: np.ndarray  # piece type index (equal unit sequences, equal type)
    type_counts: np.ndarray
    type_first: np.ndarray  # a piece of each type


def _round(corpus: UnitCorpus, config: MinentConfig, number: int) -> tuple[RoundStats, UnitCorpus]:
    units = corpus.units
    strong = _strong_pairs(corpus.ids, corpus.unit_counts(), config)
    pieces = _cut(corpus.ids, strong, len(units))
    total = len(pieces.starts)
    unit_lengths = corpus.unit_lengths
    first = pieces.type_first
    type_units = pieces.lengths[first]
    type_chars = np.add.reduceat(unit_lengths[pieces.values], pieces.starts)[first] if total else type_units
    # p of a piece is its count over the units of the round (the characters in round 1), the
    # total that pair probabilities use too; over the pieces, min_prob would admit every piece.
    min_count = config.min_prob * len(pieces.values)
    candidate = (type_units > 1) & (type_units <= config.max_units) & (pieces.type_counts >= min_count)
    single = type_units == 1
    alone = np.zeros(len(units), dtype=np.int64)  # how often each unit is a piece by itself
    alone[pieces.values[pieces.starts[first[single]]]] = pieces.type_counts[single]
    cut_entropy = _entropy_of_types(pieces, candidate, unit_lengths, type_chars)

    if config.remove_redundant:
        removal = _RedundancyRemoval(pieces, candidate, alone, type_chars, config)
        kept = np.flatnonzero(candidate & ~removal.removed)
        removed_parts = removal.parts
    else:
        kept, removed_parts = np.flatnonzero(candidate), {}
    # A kept piece may spell a unit that exists already (its characters were not merged everywhere
    # last round) or another kept piece: one string, one unit.
    unit_id = {u: i for i, u in enumerate(units)}
    new_units = list(units)
    type_unit = np.full(len(type_units), -1, dtype=np.int64)
    for t, name in zip(kept.tolist(), _type_names(pieces, units, kept), strict=True):
        found = unit_id.get(name)
        if found is None:
            found = unit_id[name] = len(new_units)
            new_units.append(name)
        type_unit[t] = found
    expansion: dict[int, list[int]] = {}
    for t in sorted(removed_parts, key=lambda t: type_units[t]):  # parts are resolved before wholes
        expansion[t] = [
            i
            for kind, ref in removed_parts[t]
            for i in ([ref] if kind == UNIT else [type_unit[ref]] if type_unit[ref] >= 0 else expansion[ref])
        ]
    merged = UnitCorpus(new_units, _emit(pieces, type_unit, expansion))
    stats = RoundStats(number, int(candidate.sum()), len(kept), cut_entropy, merged.entropy())
    return stats, merged


def _strong_pairs(ids: np.ndarray, counts: np.ndarray, config: MinentConfig) -> np.ndarray:
    """Keys ``a·V + b`` of the adjacent pairs with p_ab ≥ min_prob and PMI ≥ min_pmi (sorted)."""
    vocab = np.int64(len(counts))
    left, right = ids[:-1].astype(np.int64), ids[1:].astype(np.int64)
    inside = (left != 0) & (right != 0)
    pair_keys, pair_counts = count_runs(np.sort(left[inside] * vocab + right[inside]))
    pair_total = pair_counts.sum()
    unit_total = counts.sum()
    with np.errstate(divide="ignore"):
        pmi = (
            np.log(pair_counts / pair_total)
            - np.log(counts[pair_keys // vocab] / unit_total)
            - np.log(counts[pair_keys % vocab] / unit_total)
        )
    return pair_keys[(pair_counts >= config.min_prob * pair_total) & (pmi >= config.min_pmi)]


def _cut(ids: np.ndarray, strong: np.ndarray, vocab: int) -> _Pieces:
    """Cut between units whose pair is not strong; pieces typed by a 64-bit hash of their units."""
    left, right = ids[:-1].astype(np.int64), ids[1:].astype(np.int64)
    inside = (left != 0) & (right != 0)
    joined = np.zeros(len(ids) - 1, dtype=bool)
    if len(strong) and inside.any():
        keys = (left[inside] * vocab + right[inside]).astype(np.uint64)
        joined[inside] = KeySet(strong.astype(np.uint64)).contains(keys)

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
    _, first, types, type_counts = np.unique(hashes, return_index=True, return_inverse=True, return_counts=True)
    return _Pieces(values, starts, lengths, separator_after, types.ravel(), type_counts.astype(np.int64), first)


UNIT, TYPE = 0, 1  # a part of a removed candidate: a single unit (by id) or a candidate piece type


class _RedundancyRemoval:
    """Redundancy removal over the candidate piece types, longest (in units) first.

    A candidate is split at unit boundaries into single units and other candidates, by the
    unigram DP over piece probabilities. Candidates of one length cannot contain each other,
    so each length is decided in one vectorised pass, with the counts given by the longer
    ones already removed.
    """

    def __init__(
        self, pieces: _Pieces, candidate: np.ndarray, alone: np.ndarray, type_chars: np.ndarray, config: MinentConfig
    ) -> None:
        self.pieces = pieces
        self.counts = pieces.type_counts.astype(np.float64)
        self.alone = alone.astype(np.float64)
        self.log_total = math.log(max(len(pieces.starts), 1))
        ids = np.flatnonzero(candidate)
        self.lookup = KeySet(_type_hashes(pieces, ids))
        self.lookup_types = ids
        self.removed = np.zeros(len(candidate), dtype=bool)
        self.parts: dict[int, list[tuple[int, int]]] = {}
        type_units = pieces.lengths[pieces.type_first]
        for n in sorted(set(type_units[ids].tolist()), reverse=True):
            rows = ids[type_units[ids] == n]
            self._decide(rows, n, type_chars[rows], config)

    def _logp_types(self, types: np.ndarray) -> np.ndarray:
        logp = np.full(len(types), -np.inf)
        found = types >= 0
        logp[found] = np.log(np.maximum(self.counts[types[found]], 1)) - self.log_total
        return logp

    def _decide(self, rows: np.ndarray, n: int, chars: np.ndarray, config: MinentConfig) -> None:
        pieces = self.pieces
        starts = pieces.starts[pieces.type_first[rows]]
        units = pieces.values[starts[:, None] + np.arange(n)]  # (m, n) unit ids
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
                span_type[i, j] = np.where(index >= 0, self.lookup_types[np.maximum(index, 0)], -1)
        score = np.full((m, n + 1), -np.inf)
        score[:, n] = 0.0
        best_end = np.zeros((m, n + 1), dtype=np.int64)
        for i in range(n - 1, -1, -1):
            for j in range(n, i, -1):  # longest first: ties go to the longer part
                if j == i + 1:
                    logp = np.log(np.maximum(self.alone[units[:, i]], 1)) - self.log_total
                elif (i, j) in span_type:
                    logp = self._logp_types(span_type[i, j])
                else:
                    continue
                total = logp + score[:, j]
                better = total > score[:, i]
                score[better, i] = total[better]
                best_end[better, i] = j
        own = np.log(np.maximum(self.counts[rows], 1)) - self.log_total
        gain = own - score[:, 0]  # ln p(w) − Σ ln p(part) over its best split
        saving = self.counts[rows] * (gain - 1)  # nats of corpus information that keeping w saves
        remove = (saving <= config.min_saving) | (gain <= config.penalty * (chars - 1))
        for r in np.flatnonzero(remove).tolist():
            word = int(rows[r])
            parts: list[tuple[int, int]] = []
            i = 0
            while i < n:
                j = int(best_end[r, i])
                if j == i + 1:
                    unit = int(units[r, i])
                    parts.append((UNIT, unit))
                    self.alone[unit] += self.counts[word]
                else:
                    part = int(span_type[i, j][r])
                    parts.append((TYPE, part))
                    self.counts[part] += self.counts[word]
                i = j
            self.parts[word] = parts
            self.removed[word] = True


def _type_hashes(pieces: _Pieces, types: np.ndarray) -> np.ndarray:
    """The piece hash of each type (recomputed from one piece of it, as :func:`_cut` does)."""
    starts = pieces.starts[pieces.type_first[types]]
    lengths = pieces.lengths[pieces.type_first[types]]
    return _hash_runs(pieces.values, starts, lengths)


def _hash_runs(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each run ``values[s : s + n]``: the sum of hashed (offset, value) pairs, hashed with n."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    index = _ranges(starts, lengths)
    run_starts = np.cumsum(lengths) - lengths
    offsets = (np.arange(len(index), dtype=np.int64) - np.repeat(run_starts, lengths)).astype(np.uint64)
    terms = mix((offsets << np.uint64(32)) | values[index].astype(np.uint64))
    return mix(np.add.reduceat(terms, run_starts) ^ lengths.astype(np.uint64))


def _type_names(pieces: _Pieces, units: list[str], types: np.ndarray) -> list[str]:
    """The string of each piece type in ``types`` (concatenated in numpy, one unit length at a time)."""
    names = np.empty(len(types), dtype=object)
    table = np.array(units)
    starts = pieces.starts[pieces.type_first[types]]
    lengths = pieces.lengths[pieces.type_first[types]]
    for n in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == n)
        ids = pieces.values[starts[rows, None] + np.arange(n)]
        joined = table[ids[:, 0]]
        for k in range(1, n):
            joined = np.strings.add(joined, table[ids[:, k]])
        names[rows] = joined.tolist()
    return names.tolist()


def _emit(pieces: _Pieces, type_unit: np.ndarray, expansion: dict[int, list[int]]) -> np.ndarray:
    """The next corpus, fragments separated: each piece as one unit (``type_unit`` ≥ 0), as the units
    of its ``expansion`` (removed candidates), or as the units it was made of."""
    n_types = len(type_unit)
    expanded_type = np.zeros(n_types, dtype=bool)
    exp_len = np.zeros(n_types, dtype=np.int64)
    exp_start = np.zeros(n_types, dtype=np.int64)
    flat: list[int] = []
    for t, ids in expansion.items():
        expanded_type[t] = True
        exp_start[t] = len(flat)
        exp_len[t] = len(ids)
        flat.extend(ids)
    flat_ids = np.array(flat, dtype=np.int32)

    unit = type_unit[pieces.types]
    whole = unit >= 0
    expanded = expanded_type[pieces.types]
    copy = ~whole & ~expanded
    out_len = np.where(whole, 1, np.where(expanded, exp_len[pieces.types], pieces.lengths)) + pieces.separator_after
    out_start = np.concatenate(([1], 1 + np.cumsum(out_len)[:-1])) if len(out_len) else np.zeros(0, np.int64)
    out = np.zeros(1 + int(out_len.sum()), dtype=np.int32)  # starts with a separator

    out[out_start[whole]] = unit[whole]
    lengths = pieces.lengths[copy]
    out[_ranges(out_start[copy], lengths)] = pieces.values[_ranges(pieces.starts[copy], lengths)]
    types = pieces.types[expanded]
    lengths = exp_len[types]
    out[_ranges(out_start[expanded], lengths)] = flat_ids[_ranges(exp_start[types], lengths)]
    return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(s, s + n)`` for each start and length."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts.astype(np.int64), lengths) + offsets


def _entropy_of_types(
    pieces: _Pieces, candidate: np.ndarray, unit_lengths: np.ndarray, type_chars: np.ndarray
) -> Entropy:
    """L when every candidate piece is a unit and every other piece stays in its units."""
    copy = ~candidate[pieces.types]
    unit_counts = np.bincount(
        pieces.values[_ranges(pieces.starts[copy], pieces.lengths[copy])], minlength=len(unit_lengths)
    )
    return entropy_of(
        np.concatenate([unit_counts, pieces.type_counts[candidate]]),
        np.concatenate([unit_lengths, type_chars[candidate]]),
    )
