"""The character ids of a corpus counted on a cluster: the same as one machine gives them.

One machine numbers the characters as it meets them, block by block of its reading: the new
characters of each block get the next ids in code-point order (:meth:`CharVocab.encode_chars`).
So each range reports, for every block it reads from, the characters new to the range there
(:func:`range_characters`), and the client replays the blocks in order
(:func:`merge_vocabulary`): the ids, and so the keys and the table's bytes, come out the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlptk.io import ByteRange, EncodingErrors, read_range
from nlptk.text import MAX_CODEPOINT, CharVocab, LatinMode, char_class_table, codepoints, word_class_mask


@dataclass
class RangeCharacters:
    """What a range holds: per block (its index in the input), the code points first met there
    within the range; and every code point's count."""

    input_index: int
    blocks: list[tuple[int, np.ndarray]]
    code_points: np.ndarray
    counts: np.ndarray


def range_characters(
    byte_range: ByteRange, chunk_bytes: int, latin: LatinMode, encoding_errors: EncodingErrors
) -> RangeCharacters:
    """The characters of one range (a task on a worker)."""
    classes = char_class_table()
    counts = np.zeros(MAX_CODEPOINT, dtype=np.int64)
    blocks = []
    for block, text in read_range(byte_range, chunk_bytes, encoding_errors):
        cps = codepoints(text)
        present = np.bincount(cps[word_class_mask(classes[cps], latin)])  # up to the block's largest code point
        seen = counts[: len(present)]
        new = np.flatnonzero((present > 0) & (seen == 0)).astype(np.uint32)
        seen += present
        if len(new):
            blocks.append((block, new))
    found = np.flatnonzero(counts).astype(np.uint32)
    return RangeCharacters(byte_range.index, blocks, found, counts[found])


def merge_vocabulary(reports: Sequence[RangeCharacters]) -> tuple[CharVocab, np.ndarray]:
    """The vocabulary of the whole corpus and each id's count, from the reports of its ranges."""
    per_block: dict[tuple[int, int], list[np.ndarray]] = {}
    for report in reports:
        for block, new in report.blocks:
            per_block.setdefault((report.input_index, block), []).append(new)
    vocab = CharVocab()
    for key in sorted(per_block):
        for cp in np.unique(np.concatenate(per_block[key])).tolist():
            vocab.add(chr(cp))
    counts = np.zeros(len(vocab), dtype=np.int64)
    for report in reports:
        ids = vocab.encode_chars(report.code_points, np.ones(len(report.code_points), dtype=bool), grow=False)
        np.add.at(counts, ids.astype(np.int64), report.counts)
    return vocab, counts
