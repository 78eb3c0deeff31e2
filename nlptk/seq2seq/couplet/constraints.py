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

from nlptk.seq2seq.couplet.data import is_punctuation
from nlptk.seq2seq.vocab import UNK_ID, Vocabulary
from nlptk.text import CharClass, classify

NONE = -1
AVOID, COPY, MIRROR = range(3)  # the rules of a position (see LineConstraint)


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
        # Per line and position: [id to avoid (the first line's character), punctuation id to
        # copy, earlier position whose output to repeat]; NONE where a rule does not apply.
        self.rules = torch.full((len(lines), self.length, 3), NONE, dtype=torch.long)
        for row, line in enumerate(lines):
            if len(line) != self.length:
                raise ValueError("a constraint batch holds lines of one length")
            pattern = repetition_pattern(line)
            for i, char in enumerate(line):
                char_id = vocab.ids.get(char, NONE)
                if is_punctuation(char):
                    self.rules[row, i, COPY] = (
                        char_id if char_id != NONE else UNK_ID
                    )  # <unk>: a mark the vocabulary lacks, put back later
                elif pattern[i] != i:
                    self.rules[row, i, MIRROR] = pattern[i]
                else:
                    self.rules[row, i, AVOID] = char_id
        self.words = han_characters(vocab) if han is None else han  # allowed at non-punctuation positions

    def __call__(self, step: int, rows: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        allowed = self.words.expand(len(rows), -1).clone()
        if step >= self.length:  # past the line: nothing but the end
            allowed[:] = False
            allowed[:, 0] = True
            return allowed
        avoid, copy, mirror = self.rules[rows, step].unbind(1)
        index = torch.arange(len(rows))
        # Column 0 (<eos>) is never allowed inside a line, so NONE can point there harmlessly.
        allowed[index, avoid.clamp(min=0)] = False
        if step:
            # Characters already used are out; rows that must repeat one get it back below.
            allowed[index.repeat_interleave(step), history.reshape(-1)] = False
            earlier = history.gather(1, mirror.clamp(min=0)[:, None])[:, 0]
            forced = torch.where(mirror != NONE, earlier, copy)
        else:
            forced = copy
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
