"""The shared tokenization layer: what a character, a fragment and a unit id are.

Every command goes through this module. Character classes are looked up in a table
indexed by code point, so whole strings are classified with one numpy gather.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from enum import IntEnum
from functools import lru_cache
from typing import Literal

import numpy as np

MAX_CODEPOINT = 0x110000

LatinMode = Literal["split", "whole", "drop"]
LATIN_MODES: tuple[str, ...] = ("split", "whole", "drop")


class CharClass(IntEnum):
    """Coarse character classes used to cut text into fragments."""

    OTHER = 0
    HAN = 1
    LATIN = 2
    DIGIT = 3
    PUNCT = 4
    SYMBOL = 5
    SPACE = 6


# CJK Unified Ideographs, Extensions A-I and the compatibility blocks.
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3007, 0x3007),  # 〇 ideographic number zero
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B73F),  # Extension C
    (0x2B740, 0x2B81F),  # Extension D
    (0x2B820, 0x2CEAF),  # Extension E
    (0x2CEB0, 0x2EBEF),  # Extension F
    (0x2EBF0, 0x2EE5F),  # Extension I
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
    (0x30000, 0x3134F),  # Extension G
    (0x31350, 0x323AF),  # Extension H
)


def _mark_ranges(table: np.ndarray, ranges: Iterable[tuple[int, int]], value: int) -> None:
    for lo, hi in ranges:
        table[lo : hi + 1] = value


@lru_cache(maxsize=1)
def char_class_table() -> np.ndarray:
    """A uint8 array of length 0x110000 giving the :class:`CharClass` of each code point."""
    table = np.zeros(MAX_CODEPOINT, dtype=np.uint8)
    # Punctuation, symbols, spaces and letters of the Basic Multilingual Plane by category.
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cat = unicodedata.category(chr(cp))
        if cat[0] == "P":
            table[cp] = CharClass.PUNCT
        elif cat[0] == "S":
            table[cp] = CharClass.SYMBOL
        elif cat[0] == "Z":
            table[cp] = CharClass.SPACE
    # Emoji and other astral symbols.
    _mark_ranges(table, [(0x1F000, 0x1FAFF)], CharClass.SYMBOL)
    _mark_ranges(table, [(0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85)], CharClass.SPACE)
    _mark_ranges(table, [(0x41, 0x5A), (0x61, 0x7A), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)], CharClass.LATIN)
    _mark_ranges(table, [(0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F)], CharClass.LATIN)
    _mark_ranges(table, [(0x30, 0x39), (0xFF10, 0xFF19)], CharClass.DIGIT)
    _mark_ranges(table, HAN_RANGES, CharClass.HAN)
    table.setflags(write=False)
    return table


def codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (astral characters are one element)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def classify(text: str) -> np.ndarray:
    """The :class:`CharClass` of every character of ``text`` as a uint8 array."""
    return char_class_table()[codepoints(text)]


def char_class(char: str) -> CharClass:
    """The class of a single character."""
    return CharClass(int(char_class_table()[ord(char)]))


def is_han(char: str) -> bool:
    return char_class(char) == CharClass.HAN


@lru_cache(maxsize=65536)
def is_word_char(char: str) -> bool:
    """True for the characters fragments are made of: Han, Latin letters and digits."""
    return char_class(char) in (CharClass.HAN, CharClass.LATIN, CharClass.DIGIT)


_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Full-width ASCII variants (Ａ, １, ！) and the ideographic space to their ASCII forms."""
    return text.translate(_HALFWIDTH)


def word_class_mask(classes: np.ndarray, latin: LatinMode = "split") -> np.ndarray:
    """True where a character belongs inside a fragment (Han, and Latin/digits unless dropped)."""
    mask = classes == CharClass.HAN
    if latin != "drop":
        mask |= (classes == CharClass.LATIN) | (classes == CharClass.DIGIT)
    return mask


def is_latin_or_digit(classes: np.ndarray) -> np.ndarray:
    return (classes == CharClass.LATIN) | (classes == CharClass.DIGIT)


def fragments(text: str, latin: LatinMode = "whole") -> list[str]:
    """Split ``text`` into maximal runs of word characters.

    ``latin`` decides what happens to runs of Latin letters and digits: ``"split"`` keeps
    them inside the surrounding fragment (``iPhone手机`` is one fragment), ``"whole"`` makes
    each run a fragment of its own, ``"drop"`` removes them.
    """
    return [text[s:e] for s, e in fragment_spans(text, latin)]


def fragment_spans(text: str, latin: LatinMode = "whole") -> list[tuple[int, int]]:
    """The ``(start, end)`` character offsets of :func:`fragments`."""
    classes = classify(text)
    if latin == "whole":
        han = classes == CharClass.HAN
        alnum = is_latin_or_digit(classes)
        spans = _runs(han) + _runs(alnum)
        spans.sort()
        return spans
    return _runs(word_class_mask(classes, latin))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/end offsets of the runs of True in a boolean array."""
    if mask.size == 0:
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])|\n")


def sentences(text: str) -> Iterator[str]:
    """Split text after sentence-final punctuation (。！？!?；;…) and at newlines."""
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if piece:
            yield piece


class CharVocab:
    """Characters (and optional multi-character units) to dense integer ids.

    Id 0 is reserved for "no unit" (fragment separator or padding), so real units get ids
    from 1. Single characters are looked up through a code-point table in bulk; astral
    characters (emoji, CJK Extension B+) are ordinary entries.
    """

    SEPARATOR = 0

    def __init__(self, units: Iterable[str] = ()) -> None:
        self._units: list[str] = [""]
        self._ids: dict[str, int] = {}
        self._char_ids = np.zeros(MAX_CODEPOINT, dtype=np.uint32)
        for unit in units:
            self.add(unit)

    def __len__(self) -> int:
        """Number of ids in use, the reserved id 0 included."""
        return len(self._units)

    def __contains__(self, unit: str) -> bool:
        return unit in self._ids

    @property
    def units(self) -> list[str]:
        """The unit of every id (index 0 is the empty separator)."""
        return list(self._units)

    def add(self, unit: str) -> int:
        """The id of ``unit``, assigning the next free id if it is new."""
        found = self._ids.get(unit)
        if found is not None:
            return found
        new_id = len(self._units)
        self._units.append(unit)
        self._ids[unit] = new_id
        if len(unit) == 1:
            self._char_ids[ord(unit)] = new_id
        return new_id

    def id(self, unit: str) -> int:
        """The id of a known unit; 0 when unknown."""
        return self._ids.get(unit, 0)

    def unit(self, unit_id: int) -> str:
        return self._units[unit_id]

    def encode_chars(self, cps: np.ndarray, keep: np.ndarray, grow: bool = True) -> np.ndarray:
        """Ids of code points ``cps``; 0 where ``keep`` is False (and for unknown ones if not ``grow``)."""
        ids = self._char_ids[cps]
        ids[~keep] = 0
        if grow:
            missing = keep & (ids == 0)
            if missing.any():
                for cp in np.unique(cps[missing]).tolist():
                    self.add(chr(cp))
                ids = self._char_ids[cps]
                ids[~keep] = 0
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self._units[i] for i in ids)

    def unit_array(self) -> np.ndarray:
        """Every single-character unit's code point by id (0 for id 0 and multi-char units)."""
        return np.array([ord(u) if len(u) == 1 else 0 for u in self._units], dtype=np.uint32)

    def to_list(self) -> list[str]:
        return self._units[1:]


def encode_fragments(text: str, vocab: CharVocab, latin: LatinMode = "split", grow: bool = True) -> np.ndarray:
    """One id per code point of ``text``: the unit's id inside fragments, 0 elsewhere.

    The result is aligned with the string, so ``text[i]`` has id ``ids[i]``. ``latin`` is
    ``"split"`` (letters and digits are units) or ``"drop"`` (they separate fragments).
    """
    if latin not in ("split", "drop"):
        raise ValueError(f"encode_fragments supports latin='split' or 'drop', not {latin!r}")
    cps = codepoints(text)
    keep = word_class_mask(char_class_table()[cps], latin)
    return vocab.encode_chars(cps, keep, grow=grow)
