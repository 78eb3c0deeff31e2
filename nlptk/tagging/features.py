"""Character and character-bigram ids for the tagger, computed with numpy for whole batches.

Characters are normalised to half-width first (１ and 1 share an id); unknown characters and
bigrams map to a shared "unknown" id, 0 is padding. A position's features are its character,
the bigram ending at it and the bigram starting at it, and optionally whether a dictionary
word begins, continues or ends there (:class:`DictionaryMatcher`), for all words and separately
for the words of chosen part-of-speech groups (jieba's ``nr`` people, ``ns`` places, …), and
likewise for strings that were entities of each type in the training data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nlptk.ngrams.hashing import GOLDEN_MULTIPLIER
from nlptk.ngrams.keyset import KeySet
from nlptk.text import CharVocab, codepoints, to_halfwidth

BIGRAM_SHIFT = np.uint64(21)


def normalised_codepoints(text: str) -> np.ndarray:
    return codepoints(to_halfwidth(text))


@dataclass
class Batch:
    """Padded id arrays (B, T), the lengths of the texts, optional dictionary flags (B, T, word_dim)."""

    chars: np.ndarray
    left: np.ndarray
    right: np.ndarray
    lengths: np.ndarray
    words: np.ndarray | None = None
    standards: np.ndarray | None = None  # (B,) the segmentation standard of each text (its index)

    @property
    def mask(self) -> np.ndarray:
        return np.arange(self.chars.shape[1])[None, :] < self.lengths[:, None]


class Featurizer:
    """Maps texts to character and bigram ids."""

    def __init__(
        self,
        chars: Sequence[str],
        bigram_keys: np.ndarray,
        dictionary: str = "",
        tag_groups: Sequence[str] = (),
        entities: Sequence[Sequence[str]] = (),
        matcher: DictionaryMatcher | None = None,
    ) -> None:
        """``matcher``: the words of ``dictionary`` as a model saved them; without it the
        dictionary is read by name (jieba's, or a word list)."""
        self.dictionary = dictionary
        self.matcher = matcher or (DictionaryMatcher.open(dictionary, tuple(tag_groups)) if dictionary else None)
        self.entities = entity_matcher(entities) if entities else None
        self.vocab = CharVocab(chars)
        self.char_unk = len(self.vocab)  # ids 1..len-1 are characters, 0 padding
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.uint64)
        self._bigrams = KeySet(self.bigram_keys)
        self.bigram_unk = len(self.bigram_keys) + 1  # ids 1..n are bigrams, 0 padding

    @property
    def num_chars(self) -> int:
        return self.char_unk + 1

    @property
    def num_bigrams(self) -> int:
        return self.bigram_unk + 1

    @property
    def word_dim(self) -> int:
        return sum(m.width for m in (self.matcher, self.entities) if m is not None)

    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        min_char_count: int = 2,
        min_bigram_count: int = 3,
        dictionary: str = "",
        tag_groups: Sequence[str] = (),
        extra_chars: Iterable[str] = (),
    ) -> Featurizer:
        """Vocabularies of the characters and bigrams seen often enough in ``texts``, plus ``extra_chars``."""
        char_counts: Counter[str] = Counter()
        texts = list(texts)
        for text in texts:
            char_counts.update(to_halfwidth(text))
        chars = sorted({c for c, n in char_counts.items() if n >= min_char_count} | set(extra_chars))
        probe = cls(chars, np.zeros(0, dtype=np.uint64))
        keys = np.concatenate([probe._pair_keys(probe._char_ids(t)) for t in texts]) if texts else np.zeros(0)
        unique, counts = np.unique(keys, return_counts=True)
        return cls(chars, unique[counts >= min_bigram_count], dictionary, tag_groups)

    def _char_ids(self, text: str) -> np.ndarray:
        cps = normalised_codepoints(text)
        ids = self.vocab.encode_chars(cps, np.ones(len(cps), dtype=bool), grow=False).astype(np.int64)
        ids[ids == 0] = self.char_unk
        return ids

    @staticmethod
    def _pair_keys(ids: np.ndarray) -> np.ndarray:
        """Keys of the bigrams (boundary, c0), (c0, c1), …, (c_last, boundary)."""
        padded = np.concatenate(([0], ids, [0])).astype(np.uint64)
        return (padded[:-1] << BIGRAM_SHIFT) | padded[1:]

    def encode(
        self, texts: Sequence[str], entities: DictionaryMatcher | None = None, standards: Sequence[int] | int = 0
    ) -> Batch:
        """Padded ids of ``texts`` (each non-empty), computed for the whole batch at once.

        ``entities`` replaces the model's own entity list (training flags each fold's texts
        with the entities of the other folds only); ``standards``: each text's standard, or one
        for all.
        """
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        width = int(lengths.max()) if len(texts) else 0
        ids = self._char_ids("".join(texts))
        # Per text: boundary, its ids, boundary; the bigram keys of consecutive pairs.
        starts = np.concatenate(([0], np.cumsum(lengths)))
        framed = np.zeros(len(ids) + 2 * len(texts), dtype=np.uint64)
        rows = np.repeat(np.arange(len(texts)), lengths)
        offsets = np.arange(len(ids)) - starts[rows]
        framed_pos = starts[rows] + 2 * rows + 1 + offsets
        framed[framed_pos] = ids
        pairs = self._bigrams.index((framed[:-1] << BIGRAM_SHIFT) | framed[1:]) + 1
        pairs[pairs == 0] = self.bigram_unk
        chars = np.zeros((len(texts), width), dtype=np.int64)
        left = np.zeros_like(chars)
        right = np.zeros_like(chars)
        chars[rows, offsets] = ids
        left[rows, offsets] = pairs[framed_pos - 1]
        right[rows, offsets] = pairs[framed_pos]
        matchers = [m for m in (self.matcher, self.entities if entities is None else entities) if m is not None]
        words = None
        if matchers:
            text = "".join(texts)
            words = np.zeros((len(texts), width, self.word_dim), dtype=np.float32)
            words[rows, offsets] = np.concatenate([m.flags(text, starts) for m in matchers], axis=1)
        rows_standard = np.broadcast_to(np.asarray(standards, dtype=np.int64), (len(texts),)).copy()
        return Batch(chars, left, right, lengths, words, rows_standard)


class DictionaryMatcher:
    """Flags where dictionary words begin, continue and end (all matches, overlapping ones too).

    Three flags for all words, then three for each tag group: the words whose part-of-speech
    tag starts with the group's prefix (``"nr"`` takes nr, nrt, nrfg). A word listed more than
    once belongs to the groups of all its entries.

    Matching is vectorised: every position of a text reads one more character at a time while
    what it has read begins some word (the hashes of the words and of their beginnings in one
    :class:`~nlptk.ngrams.keyset.KeySet`); a hash that is a whole word's is confirmed against the
    word's characters, so a hash collision never makes a match (two words of one 64-bit hash,
    about one chance in 10⁸ for jieba's dictionary, would lose one of them).
    """

    def __init__(self, lengths: np.ndarray, code_points: np.ndarray, groups: np.ndarray, tag_groups: int) -> None:
        """Words of two or more characters, ``code_points`` one after another, ``lengths`` long,
        each in the tag ``groups`` of its bits (bit 0: all words; bit i + 1: tag group i)."""
        self.width = 3 * (1 + tag_groups)
        self.lengths = np.asarray(lengths)
        self.code_points = np.asarray(code_points)
        self.groups = np.asarray(groups)
        lengths64 = self.lengths.astype(np.int64)
        starts = np.cumsum(lengths64) - lengths64
        points = self.code_points.astype(np.uint64)
        hashes = np.zeros(len(lengths64), dtype=np.uint64)
        # Which code points begin a word; then every string of two or more characters that is a
        # word or begins a longer one, in one hash set: for each, the word it is (or -1) and
        # whether a longer word begins with it.
        self._first = np.zeros(int(points.max()) + 1 if len(points) else 0, dtype=bool)
        self._first[points[starts].astype(np.int64)] = True
        self._longest = int(lengths64.max()) if len(lengths64) else 0
        prefixes = []
        for k in range(self._longest):
            longer = lengths64 > k
            hashes[longer] = _extend_hash(hashes[longer], points[starts[longer] + k])
            if k:
                prefixes.append(hashes[lengths64 > k + 1])
        beginnings = np.concatenate(prefixes) if prefixes else hashes[:0]
        self._strings, self._word_of, self._begins_longer = _string_table(hashes, beginnings)
        self._lengths, self._starts, self._groups = lengths64, starts, self.groups.astype(np.int64)

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str]], tag_groups: Sequence[str] = ()) -> DictionaryMatcher:
        """The matcher of ``(word, tag)`` entries; words of one character are left out."""
        merged: dict[str, int] = {}
        for word, tag in entries:
            if len(word) >= 2:
                groups = 1 | sum(2 << i for i, prefix in enumerate(tag_groups) if tag.startswith(prefix))
                merged[word] = merged.get(word, 0) | groups
        points = codepoints("".join(merged))
        lengths = np.fromiter(map(len, merged), dtype=np.int64, count=len(merged))
        narrow = np.uint16 if not len(points) or points.max() < 1 << 16 else np.uint32
        lengths = lengths.astype(np.uint8 if not len(lengths) or lengths.max() < 1 << 8 else np.uint32)
        group_type = np.uint8 if len(tag_groups) < 8 else np.uint32
        groups = np.fromiter(merged.values(), dtype=group_type, count=len(merged))
        return cls(lengths, points.astype(narrow), groups, len(tag_groups))

    DICTIONARY_ARRAYS = ("lengths", "code_points", "groups")  # what a model directory keeps of the words

    def saved_arrays(self) -> dict[str, np.ndarray]:
        """The words as arrays for a model's weights file (``dictionary_lengths``, …)."""
        return {f"dictionary_{name}": getattr(self, name) for name in self.DICTIONARY_ARRAYS}

    @classmethod
    def from_saved(cls, state: dict[str, np.ndarray], tag_groups: int) -> DictionaryMatcher | None:
        """The matcher whose :meth:`saved_arrays` are in ``state`` (removed from it), or None."""
        names = [f"dictionary_{name}" for name in cls.DICTIONARY_ARRAYS]
        if not all(name in state for name in names):
            return None
        return cls(*(state.pop(name) for name in names), tag_groups)

    @classmethod
    @lru_cache(maxsize=4)
    def open(cls, name: str, tag_groups: tuple[str, ...] = ()) -> DictionaryMatcher:
        """``"jieba"``: jieba's dictionary; otherwise a jieba-format word list (``word [count [tag]]``)."""
        from nlptk.io import read_lines, resolve_inputs
        from nlptk.lexicon import jieba_dictionary_path

        path = jieba_dictionary_path() if name == "jieba" else name
        fields = (line.split() for line in read_lines(resolve_inputs([path])))
        return cls.of(((f[0], f[2] if len(f) > 2 else "") for f in fields if f), tag_groups)

    def matches(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every occurrence of a word in ``text``: its start, its end (exclusive) and its groups."""
        points = codepoints(text)
        begins = points < len(self._first)
        begins[begins] = self._first[points[begins]]
        points = points.astype(np.uint64)
        alive = np.flatnonzero(begins)  # the positions whose characters so far begin a word
        hashes = _extend_hash(np.zeros(len(alive), dtype=np.uint64), points[alive])
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for k in range(1, self._longest):
            inside = alive + k < len(points)
            alive, hashes = alive[inside], _extend_hash(hashes[inside], points[alive[inside] + k])
            string = self._strings.index(hashes)
            known = string >= 0
            alive, string = alive[known], string[known]
            found.append(self._words_at(points, alive, self._word_of[string], k + 1))
            longer = self._begins_longer[string]
            alive, hashes = alive[longer], hashes[known][longer]
            if not len(alive):
                break
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def _words_at(
        self, points: np.ndarray, alive: np.ndarray, words: np.ndarray, length: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The words (indices, -1 for none) whose hashes the ``length`` characters at positions
        ``alive`` have, where those characters are the word's."""
        hit = words >= 0
        starts, words = alive[hit], words[hit]
        same = self._lengths[words] == length
        for q in range(length):
            same &= points[starts + q] == self.code_points[self._starts[words] + q]
        starts, words = starts[same], words[same]
        return starts, starts + length, self._groups[words]

    def flags(self, text: str, boundaries: np.ndarray) -> np.ndarray:
        """(len(text), width) begin/inside/end flags; ``boundaries`` are offsets no word may cross."""
        flags = np.zeros((len(text) + 1, self.width), dtype=np.float32)
        start, stop, groups = self.matches(text)
        if not len(start):
            return flags[: len(text)]
        # Matches across the joins of a batch's texts are not words of either text.
        inside = np.searchsorted(boundaries, start, side="right") == np.searchsorted(boundaries, stop - 1, side="right")
        for group in range(self.width // 3):
            chosen = inside & ((groups >> group) & 1).astype(bool)
            first, last = start[chosen], stop[chosen]
            column = 3 * group
            flags[first, column] = 1
            flags[last - 1, column + 2] = 1
            opened = np.bincount(first + 1, minlength=len(text) + 1)
            closed = np.bincount(np.maximum(last - 1, first + 1), minlength=len(text) + 1)
            flags[:, column + 1] = np.cumsum(opened - closed) > 0
        return flags[: len(text)]


def _string_table(words: np.ndarray, beginnings: np.ndarray) -> tuple[KeySet, np.ndarray, np.ndarray]:
    """The distinct strings among the hashes of ``words`` and of the ``beginnings`` of longer
    words, in a hash set; for each, the word it is (its index in ``words``, or -1) and whether a
    longer word begins with it."""
    every = np.concatenate((words, beginnings))
    order = np.argsort(every)
    ordered = every[order]
    distinct = np.concatenate((np.ones(min(len(ordered), 1), dtype=bool), ordered[1:] != ordered[:-1]))
    string_of = np.empty(len(every), dtype=np.int64)
    string_of[order] = np.cumsum(distinct) - 1
    word_of = np.full(int(distinct.sum()), -1, dtype=np.int64)
    word_of[string_of[: len(words)]] = np.arange(len(words))
    begins_longer = np.zeros(len(word_of), dtype=bool)
    begins_longer[string_of[len(words) :]] = True
    return KeySet(ordered[distinct]), word_of, begins_longer


def _extend_hash(hashes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The hashes of strings one character longer: h·M + code point + 1 (modulo 2⁶⁴)."""
    with np.errstate(over="ignore"):
        return hashes * GOLDEN_MULTIPLIER + points + np.uint64(1)


def entity_matcher(entities: Sequence[Sequence[str]], types: Sequence[str] = ()) -> DictionaryMatcher:
    """Flags for ``(string, type)`` entities: any entity, then one group per type (``types``, or
    the sorted types of ``entities``)."""
    types = tuple(types) or tuple(sorted({kind for _, kind in entities}))
    return DictionaryMatcher.of(((text, kind) for text, kind in entities), types)
