"""Tag schemes: which tags exist, which may follow which, and tags <-> spans.

Tags are ``PREFIX`` or ``PREFIX-TYPE`` with prefixes B (begin), M/I (inside), E (end),
S (single) and O (outside). Segmentation uses BMES without types, NER uses BIO (or BMES/BIOES)
with entity types, joint segmentation + POS uses BMES typed by the part of speech.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

INSIDE = {"I", "M"}


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"S"`` -> ``("S", "")``."""
    prefix, _, kind = tag.partition("-")
    return prefix, kind


@dataclass(frozen=True)
class TagScheme:
    """An ordered tag set with its transition constraints."""

    tags: tuple[str, ...]

    @classmethod
    def from_tags(cls, tags: Iterable[str]) -> TagScheme:
        unique = sorted(set(tags), key=lambda t: (split_tag(t)[1], "OBIMES".find(split_tag(t)[0]), t))
        for tag in unique:
            if split_tag(tag)[0] not in {"O", "B", "I", "M", "E", "S"}:
                raise ValueError(f"unknown tag prefix in {tag!r} (expected B, I, M, E, S or O)")
        return cls(tuple(unique))

    @property
    def closes(self) -> bool:
        """True when spans end with an explicit E or S tag (BMES/BIOES), False for BIO."""
        return any(split_tag(t)[0] in {"E", "S"} for t in self.tags)

    def index(self, tag: str) -> int:
        return self.tags.index(tag)

    def allowed(self, prev: str, nxt: str) -> bool:
        p_prefix, p_type = split_tag(prev)
        n_prefix, n_type = split_tag(nxt)
        open_after = p_prefix in {"B"} | INSIDE
        continues = n_prefix in INSIDE | {"E"}
        if continues:
            return open_after and p_type == n_type
        # A new span or O: in closing schemes an open span must have been closed first.
        return not (self.closes and open_after)

    def can_start(self, tag: str) -> bool:
        return split_tag(tag)[0] not in INSIDE | {"E"}

    def can_end(self, tag: str) -> bool:
        return not (self.closes and split_tag(tag)[0] in {"B"} | INSIDE)

    def constraint_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boolean ``(transitions[k, k], start[k], end[k])`` of what is allowed."""
        k = len(self.tags)
        trans = np.array([[self.allowed(a, b) for b in self.tags] for a in self.tags], dtype=bool).reshape(k, k)
        start = np.array([self.can_start(t) for t in self.tags], dtype=bool)
        end = np.array([self.can_end(t) for t in self.tags], dtype=bool)
        return trans, start, end

    def is_valid(self, tags: Sequence[str]) -> bool:
        if not tags:
            return True
        if not self.can_start(tags[0]) or not self.can_end(tags[-1]):
            return False
        return all(self.allowed(a, b) for a, b in itertools.pairwise(tags))


def word_tags(lengths: Iterable[int], kinds: Iterable[str] | None = None) -> list[str]:
    """BMES tags of words of the given lengths, typed by ``kinds`` (e.g. POS) when given."""
    out: list[str] = []
    kinds_list = list(kinds) if kinds is not None else None
    for i, n in enumerate(lengths):
        suffix = f"-{kinds_list[i]}" if kinds_list is not None else ""
        if n == 1:
            out.append("S" + suffix)
        else:
            out.extend(["B" + suffix] + ["M" + suffix] * (n - 2) + ["E" + suffix])
    return out


def spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(start, end, type)`` of the spans in a tag sequence; O tags belong to no span.

    Lenient with ill-formed input: an inside tag that does not continue a span starts one.
    """
    result: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate(tags):
        prefix, t = split_tag(tag)
        continuing = prefix in INSIDE | {"E"} and start >= 0 and t == kind
        if not continuing:
            if start >= 0:
                result.append((start, i, kind))
                start = -1
            if prefix != "O":
                start, kind = i, t
        if prefix in {"E", "S"} and start >= 0:
            result.append((start, i + 1, kind))
            start = -1
    if start >= 0:
        result.append((start, len(tags), kind))
    return result
