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
    ) -> None:
        self.dictionary = dictionary
        self.matcher = DictionaryMatcher.open(dictionary, tuple(tag_groups)) if dictionary else None
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
    """

    def __init__(self, entries: Iterable[tuple[str, str]], tag_groups: Sequence[str] = ()) -> None:
        import ahocorasick

        self.width = 3 * (1 + len(tag_groups))
        self._automaton = ahocorasick.Automaton()
        for word, tag in entries:
            if len(word) >= 2:
                groups = 1 | sum(2 << i for i, prefix in enumerate(tag_groups) if tag.startswith(prefix))
                groups |= self._automaton.get(word, (0, 0))[1]
                self._automaton.add_word(word, (len(word), groups))
        self._automaton.make_automaton()

    @classmethod
    @lru_cache(maxsize=4)
    def open(cls, name: str, tag_groups: tuple[str, ...] = ()) -> DictionaryMatcher:
        """``"jieba"``: jieba's dictionary; otherwise a jieba-format word list (``word [count [tag]]``)."""
        from nlptk.io import read_lines, resolve_inputs
        from nlptk.lexicon import jieba_dictionary_path

        path = jieba_dictionary_path() if name == "jieba" else name
        fields = (line.split() for line in read_lines(resolve_inputs([path])))
        return cls(((f[0], f[2] if len(f) > 2 else "") for f in fields if f), tag_groups)

    def flags(self, text: str, boundaries: np.ndarray) -> np.ndarray:
        """(len(text), width) begin/inside/end flags; ``boundaries`` are offsets no word may cross."""
        matches = [(end - length + 1, end + 1, groups) for end, (length, groups) in self._automaton.iter(text)]
        flags = np.zeros((len(text) + 1, self.width), dtype=np.float32)
        if not matches:
            return flags[: len(text)]
        start, stop, groups = np.array(matches).T
        # Matches across the joins of a batch's texts are not words of either text.
        inside = np.searchsorted(boundaries, start, side="right") == np.searchsorted(boundaries, stop - 1, side="right")
        for group in range(self.width // 3):
            chosen = inside & ((groups >> group) & 1).astype(bool)
            first, last = start[chosen], stop[chosen]
            column = 3 * group
            flags[first, column] = 1
            flags[last - 1, column + 2] = 1
            middle = np.zeros(len(text) + 1, dtype=np.int64)
            np.add.at(middle, first + 1, 1)
            np.add.at(middle, np.maximum(last - 1, first + 1), -1)
            flags[:, column + 1] = np.cumsum(middle) > 0
        return flags[: len(text)]


def entity_matcher(entities: Sequence[Sequence[str]], types: Sequence[str] = ()) -> DictionaryMatcher:
    """Flags for ``(string, type)`` entities: any entity, then one group per type (``types``, or
    the sorted types of ``entities``)."""
    types = tuple(types) or tuple(sorted({kind for _, kind in entities}))
    return DictionaryMatcher(((text, kind) for text, kind in entities), types)
