"""A corpus as one array of unit ids, with 0 between fragments: the minimum-entropy working form.

Units start as the characters of fragments (:func:`nlptk.text.encode_fragments`) and grow into
words as rounds of lexicon induction merge them. The character form is what a saved state
holds, so that more text can be counted into it and the lexicon found again.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import atomic_directory_file
from nlptk.minent.entropy import Entropy, entropy_of
from nlptk.text import CharVocab, LatinMode, encode_fragments

STATE_FORMAT = "nlptk-minent-state-1"
COUNT_BLOCK = 1 << 20  # ids counted at a time (numpy widens them to 8 bytes to count)


@dataclass
class UnitCorpus:
    """``ids`` (int32) index ``units``; id 0 (the empty unit) separates fragments."""

    units: list[str]
    ids: np.ndarray

    @classmethod
    def empty(cls) -> UnitCorpus:
        return cls([""], np.zeros(1, dtype=np.int32))

    @property
    def unit_lengths(self) -> np.ndarray:
        """Characters per unit, by id."""
        return np.fromiter((len(u) for u in self.units), dtype=np.int64, count=len(self.units))

    def unit_counts(self) -> np.ndarray:
        """Occurrences of every unit id (id 0 counts nothing)."""
        counts = np.zeros(len(self.units), dtype=np.int64)
        for start in range(0, len(self.ids), COUNT_BLOCK):
            counts += np.bincount(self.ids[start : start + COUNT_BLOCK], minlength=len(self.units))
        counts[0] = 0
        return counts

    def entropy(self) -> Entropy:
        """L of the corpus in its current units."""
        return entropy_of(self.unit_counts(), self.unit_lengths)

    def split_heldout(self, every: int, in_place: bool = False) -> tuple[UnitCorpus, UnitCorpus]:
        """The corpus without every ``every``-th fragment, and those fragments (same units).

        Done :data:`COUNT_BLOCK` ids at a time, each part written in place of one buffer; with
        ``in_place`` the rest overwrites this corpus' own ids (one copy fewer), and is this corpus.
        """
        in_place = in_place and self.ids.flags.writeable
        rest = IdBuffer(len(self.ids), self.ids if in_place else None)
        taken = IdBuffer(len(self.ids))
        fragments = 0  # separators before the block
        for start in range(0, len(self.ids), COUNT_BLOCK):
            block = self.ids[start : start + COUNT_BLOCK]
            fragment = fragments + np.cumsum(block == 0, dtype=np.int64)
            fragments = int(fragment[-1])
            held = (fragment % every == 0) & (block != 0)
            kept, dropped = np.where(held, 0, block).astype(np.int32), np.where(held, block, 0).astype(np.int32)
            rest.append(kept, squeeze=True)  # (may overwrite the block: read it before)
            taken.append(dropped, squeeze=True)
        held_out = UnitCorpus(self.units, taken.ids().copy())
        if in_place:
            self.ids = rest.ids()
            return self, held_out
        return UnitCorpus(self.units, rest.ids()), held_out

    def fragment_texts(self) -> list[str]:
        """Each fragment as a string."""
        units = np.array(self.units, dtype=object)
        ends = np.flatnonzero(self.ids == 0)
        return ["".join(units[self.ids[a + 1 : b]]) for a, b in itertools.pairwise(ends) if b > a + 1]

    @property
    def chars(self) -> int:
        """Characters inside fragments."""
        return int(self.unit_counts() @ self.unit_lengths)

    def add_text(self, chunks: Iterable[str], latin: LatinMode = "split") -> None:
        """Append the fragments of consecutive text chunks (a chunk may end inside a fragment).

        Only a corpus of single characters (as built and saved by this class) can grow.
        """
        vocab = CharVocab(self.units[1:])
        if len(vocab) != len(self.units) or any(len(u) != 1 for u in self.units[1:]):
            raise NlptkError("only a character-level corpus can take more text")
        parts = [_squeeze_zeros(self.ids)]  # each with its separator runs squeezed
        carry = ""
        for chunk in chunks:
            text = carry + chunk
            ids = encode_fragments(text, vocab, latin)
            zeros = np.flatnonzero(ids == 0)
            cut = int(zeros[-1]) + 1 if len(zeros) else 0
            carry = text[cut:]
            parts.append(_squeeze_zeros(ids[:cut]).astype(np.int32))  # (int32 and uint32 would join as int64)
        if carry:
            parts.append(_squeeze_zeros(np.append(encode_fragments(carry, vocab, latin), 0)).astype(np.int32))
        ids = np.concatenate([parts[0], *_join_squeezed(parts)])
        del parts
        if ids[0] != 0:
            ids = np.concatenate(([0], ids)).astype(np.int32)
        self.units = vocab.units
        self.ids = ids

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the corpus atomically as a numpy archive (loaded without pickle)."""
        with atomic_directory_file(path) as tmp, open(tmp, "wb") as handle:
            self.write(handle)

    def write(self, handle: BinaryIO) -> None:
        """Write the corpus to an open binary file, as :meth:`save` does."""
        narrow = self.ids.astype(np.uint16) if len(self.units) <= 1 << 16 else self.ids
        text = "\n".join(self.units[1:]).encode("utf-8")
        np.savez(
            handle,
            format=np.frombuffer(STATE_FORMAT.encode(), dtype=np.uint8),
            units=np.frombuffer(text, dtype=np.uint8),
            ids=narrow,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> UnitCorpus:
        """Read a corpus written by :meth:`save`; anything else is a clear error."""
        name = os.fspath(path)
        try:
            archive = np.load(name, allow_pickle=False)
        except FileNotFoundError:
            raise NlptkError(f"{name}: no such file") from None
        except (OSError, ValueError, EOFError) as error:
            raise NlptkError(f"{name}: not an nlptk minent state ({error})") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise NlptkError(f"{name}: not an nlptk minent state (a bare numpy array)")
        try:
            with archive:
                if bytes(archive["format"]).decode() != STATE_FORMAT:
                    raise NlptkError(f"{name}: not an nlptk minent state")
                text = bytes(archive["units"]).decode("utf-8")
                ids = archive["ids"].astype(np.int32)
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as error:
            raise NlptkError(f"{name}: not an nlptk minent state ({error})") from None
        units = [""] + (text.split("\n") if text else [])
        if len(ids) == 0 or ids.min() < 0 or ids.max() >= len(units):
            raise NlptkError(f"{name}: corrupt minent state (unit ids out of range)")
        return cls(units, ids)


def _squeeze_zeros(ids: np.ndarray) -> np.ndarray:
    """Runs of separators collapsed to one."""
    if len(ids) < 2:
        return ids
    keep = np.ones(len(ids), dtype=bool)
    keep[1:] = (ids[1:] != 0) | (ids[:-1] != 0)
    return ids[keep]


def _join_squeezed(parts: list[np.ndarray]) -> Iterator[np.ndarray]:
    """``parts[1:]``, each without its leading separator where the part before ends with one,
    so that their concatenation has no separator run either."""
    last = parts[0][-1] if len(parts[0]) else 1
    for part in parts[1:]:
        if len(part):
            yield part[1:] if part[0] == 0 and last == 0 else part
            last = part[-1]


class IdBuffer:
    """Ids appended block by block into one buffer of a known largest size, with separator runs
    squeezed across blocks. Pages past the end are never written, so they take no memory.
    A given ``buffer`` is overwritten, which is safe while what is appended comes from it,
    from no earlier than where it is written (as when ids are dropped from it in order)."""

    def __init__(self, capacity: int, buffer: np.ndarray | None = None) -> None:
        self._buffer = np.empty(capacity, dtype=np.int32) if buffer is None else buffer
        self._size = 0

    def append(self, ids: np.ndarray, squeeze: bool = False) -> None:
        if squeeze and len(ids):
            keep = np.ones(len(ids), dtype=bool)
            keep[1:] = (ids[1:] != 0) | (ids[:-1] != 0)
            if self._size:
                keep[0] = ids[0] != 0 or self._buffer[self._size - 1] != 0
            ids = ids[keep]
        self._buffer[self._size : self._size + len(ids)] = ids
        self._size += len(ids)

    def ids(self) -> np.ndarray:
        """The ids appended so far (a view of the buffer)."""
        return self._buffer[: self._size]
