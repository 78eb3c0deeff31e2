"""What a second line may be, position by position, given its first line:

- punctuation is copied in place; elsewhere only Chinese characters are allowed;
- never the first line's character at the same position;
- repetition mirrored: where the first line repeats an earlier character, the second repeats
  its own character of that earlier position; elsewhere it uses a character not used before.

:class:`LineConstraint` is a :data:`nlptk.decode.search.Constraint`; :func:`check_answer`
measures the same rules on any pair (for evaluation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from nlptk.couplet.data import is_punctuation
from nlptk.lm.data import Vocabulary
from nlptk.text import CharClass, classify

NONE = -1
UNK = 1  # <unk>: stands for punctuation the vocabulary lacks


def repetition_pattern(line: str) -> tuple[int, ...]:
    """Each position's first occurrence of its character: 雨打芭蕉蕉 → (0, 1, 2, 3, 3)."""
    first: dict[str, int] = {}
    return tuple(first.setdefault(char, i) for i, char in enumerate(line))


def han_characters(vocab: Vocabulary) -> torch.Tensor:
    """Which ids of ``vocab`` are Chinese characters (not <eos>, <unk>, punctuation or letters)."""
    mask = torch.zeros(len(vocab), dtype=torch.bool)
    if len(vocab) > 2:
        classes = classify("".join(w[:1] or " " for w in vocab.words[2:]))
        mask[2:] = torch.from_numpy(classes == CharClass.HAN)
    return mask


class LineConstraint:
    """The allowed characters at each step for a batch of first lines of one length."""

    def __init__(self, lines: Sequence[str], vocab: Vocabulary, han: torch.Tensor | None = None) -> None:
        """``han``: :func:`han_characters` of ``vocab``, when the caller keeps it."""
        self.length = len(lines[0])
        self.same = torch.full((len(lines), self.length), NONE, dtype=torch.long)  # id to avoid
        self.copy = torch.full((len(lines), self.length), NONE, dtype=torch.long)  # punctuation id to copy
        self.mirror = torch.full((len(lines), self.length), NONE, dtype=torch.long)  # earlier position to repeat
        self.new = torch.zeros((len(lines), self.length), dtype=torch.bool)  # must differ from earlier output
        for row, line in enumerate(lines):
            if len(line) != self.length:
                raise ValueError("a constraint batch holds lines of one length")
            pattern = repetition_pattern(line)
            for i, char in enumerate(line):
                char_id = vocab.ids.get(char, NONE)
                if is_punctuation(char):
                    self.copy[row, i] = char_id if char_id != NONE else UNK  # replaced by the mark itself later
                elif pattern[i] != i:
                    self.mirror[row, i] = pattern[i]
                else:
                    self.same[row, i] = char_id
                    self.new[row, i] = True
        self.words = han_characters(vocab) if han is None else han  # allowed at non-punctuation positions

    def __call__(self, step: int, rows: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        allowed = self.words.expand(len(rows), -1).clone()
        if step >= self.length:  # past the line: nothing but the end
            allowed[:] = False
            allowed[:, 0] = True
            return allowed
        same, copy, mirror, new = (
            self.same[rows, step],
            self.copy[rows, step],
            self.mirror[rows, step],
            self.new[rows, step],
        )
        index = torch.arange(len(rows))
        has_same = same != NONE
        allowed[index[has_same], same[has_same]] = False
        if step and new.any():
            earlier = history[new]  # (n, step) output so far
            allowed[index[new].repeat_interleave(step), earlier.reshape(-1)] = False
        forced = copy.clone()
        has_mirror = mirror != NONE
        if has_mirror.any():
            forced[has_mirror] = history[index[has_mirror], mirror[has_mirror]]
        fixed = forced != NONE
        if fixed.any():
            allowed[fixed] = False
            allowed[index[fixed], forced[fixed]] = True
        return allowed


@dataclass
class AnswerCheck:
    same_length: bool
    punctuation_in_place: bool
    same_position_repeat: bool
    mirrored: bool


def check_answer(first: str, second: str) -> AnswerCheck:
    """The constraint rules measured on one pair."""
    same_length = len(first) == len(second)
    pairs = list(zip(first, second, strict=False))
    punctuation = same_length and all((a == b) if is_punctuation(a) else not is_punctuation(b) for a, b in pairs)
    repeat = any(a == b and not is_punctuation(a) for a, b in pairs)
    mirrored = same_length and repetition_pattern(first) == repetition_pattern(second)
    return AnswerCheck(same_length, punctuation, repeat, mirrored)
