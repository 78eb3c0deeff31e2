"""Segmentation with a trained tagger: whitespace-separated runs, BMES tags -> words, user dictionaries.

A user dictionary lists ``word [multiplier]`` per line; before Viterbi, every occurrence of a
listed word adds ln(multiplier) to the scores of the tags that keep it whole (B, M…, E or S),
so the decoder prefers such paths without being forced to them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import read_lines, resolve_inputs
from nlptk.tagging.model import Tagger
from nlptk.tagging.schemes import word_tags
from nlptk.text import codepoints

DEFAULT_MULTIPLIER = 10.0
LINES_PER_BATCH = 4096


def default_model_path() -> Path:
    """The segmentation model shipped in the package."""
    return Path(str(resources.files("nlptk") / "data" / "seg"))


def load_segmenter(path: str | os.PathLike[str] | None = None) -> Tagger:
    model = Tagger.load(path or default_model_path())
    if model.config.task != "seg":
        raise NlptkError(f"{path}: a {model.config.task} model, not a segmentation model")
    return model


class UserDict:
    """Words whose paths get a bonus before Viterbi (an Aho-Corasick automaton over them)."""

    def __init__(self, entries: Iterable[tuple[str, float]], tags: list[str]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self._index = {t: i for i, t in enumerate(tags)}
        count = 0
        for word, multiplier in entries:
            bonus = math.log(multiplier)
            self._automaton.add_word(word, (len(word), bonus))
            count += 1
        if count:
            self._automaton.make_automaton()
        self.size = count

    @classmethod
    def load(cls, path: str, tags: list[str]) -> UserDict:
        entries = []
        for number, line in enumerate(read_lines(resolve_inputs([path])), 1):
            fields = line.split()
            if not fields:
                continue
            try:
                multiplier = float(fields[1]) if len(fields) > 1 else DEFAULT_MULTIPLIER
            except ValueError:
                raise NlptkError(f"{path}: line {number}: multiplier {fields[1]!r} is not a number") from None
            if multiplier <= 0:
                raise NlptkError(f"{path}: line {number}: multiplier must be positive")
            entries.append((fields[0], multiplier))
        return cls(entries, tags)

    def __call__(self, text: str) -> np.ndarray | None:
        if not self.size:
            return None
        bias = None
        for end, (length, bonus) in self._automaton.iter(text):
            if bias is None:
                bias = np.zeros((len(text), len(self._index)), dtype=np.float32)
            start = end - length + 1
            for offset, tag in enumerate(word_tags([length])):
                bias[start + offset, self._index[tag]] += bonus
        return bias


def segment_texts(model: Tagger, lines: Iterable[str], user_dict: UserDict | None = None) -> Iterator[list[str]]:
    """Words of each line; whitespace separates runs that are segmented on their own."""
    for line in segment_lines(model, lines, user_dict):
        yield line.split()


def segment_lines(model: Tagger, lines: Iterable[str], user_dict: UserDict | None = None) -> Iterator[str]:
    """Each line's words joined by single spaces."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= LINES_PER_BATCH:
            yield from _segment_batch(model, batch, user_dict)
            batch = []
    if batch:
        yield from _segment_batch(model, batch, user_dict)


def _segment_batch(model: Tagger, lines: list[str], user_dict: UserDict | None) -> list[str]:
    """Segment whitespace-separated runs and lay the words out with numpy: a space after every
    word but the last of its line, a newline after that."""
    runs_per_line = [line.split() for line in lines]
    runs = [run for line_runs in runs_per_line for run in line_runs]
    if not runs:
        return [""] * len(lines)
    word_end = np.zeros(len(model.scheme.tags), dtype=bool)
    word_end[[model.scheme.index("E"), model.scheme.index("S")]] = True
    ends = word_end[np.concatenate(model.predict_ids(runs, bias=user_dict))]
    chars = codepoints("".join(runs))
    line_of_run = np.repeat(np.arange(len(lines)), [len(r) for r in runs_per_line])
    run_lengths = np.array([len(r) for r in runs])
    last_of_run = np.cumsum(run_lengths) - 1
    last_run_of_line = np.append(line_of_run[1:] != line_of_run[:-1], True)
    after = np.where(ends, ord(" "), 0).astype(np.uint32)
    after[last_of_run[last_run_of_line]] = ord("\n")
    laid_out = np.stack((chars, after), axis=1).ravel()
    text = laid_out[laid_out != 0].tobytes().decode("utf-32-le")
    segmented = iter(text.split("\n"))
    return [next(segmented) if line_runs else "" for line_runs in runs_per_line]
