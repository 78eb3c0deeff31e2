"""Segmentation with a trained tagger: the one code path of ``nlptk segment`` and ``tag predict`` (seg).

Whitespace (ASCII or full-width) separates runs that are segmented on their own and is never
part of a word. Within a run, decoding is constrained (the tags a position may take):

- a change between Han characters and Latin letters is always a word boundary, and a run of
  Latin letters and digits (``iPhone15``, ``C`` of ``C++``) is never cut; digits next to Han
  characters (``27日``) are left to the model;
- every occurrence of a user-dictionary word is one word. Where occurrences overlap, the
  leftmost wins, and of those starting at the same place the longest (leftmost-longest); user
  words take precedence over the Latin/Han rules.

Long lines are segmented in bounded pieces (cut at whitespace or after sentence punctuation,
or every :data:`PIECE_CHARS` characters when there is neither), so memory stays bounded.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

import numpy as np

from nlptk.errors import NlptkError
from nlptk.lexicon import Lexicon
from nlptk.tagging.backend import DEFAULT_BACKEND, load_tagger
from nlptk.tagging.config import DEFAULT_STANDARD
from nlptk.tagging.data import SENTENCE_END
from nlptk.tagging.inference import TaggerBase, chunk_text
from nlptk.tagging.schemes import INSIDE as INSIDE_PREFIXES
from nlptk.tagging.schemes import split_tag
from nlptk.tagging.viterbi import FORBIDDEN
from nlptk.text import CharClass, char_class_table, classify, codepoints, is_latin_or_digit

PIECES_PER_BATCH = 4096
BATCH_CHARS = 1 << 18  # characters segmented together
PIECE_CHARS = 1 << 16  # longer lines are segmented in pieces of at most this many characters
CUT_AFTER = frozenset(" \t\u3000") | SENTENCE_END | {"…"}

# What a character may be: anything the model says, the first of a word, or a word's continuation.
FREE, START, INSIDE = 0, 1, 2


def load_segmenter(
    path: str | os.PathLike[str] | None = None,
    backend: str = DEFAULT_BACKEND,
    threads: int = 0,
    input_bytes: int | None = None,
) -> TaggerBase:
    """A segmentation model (without ``path``, the shipped one) on ``backend`` (see :func:`load_tagger`)."""
    model = load_tagger(path, backend, threads, input_bytes)
    if model.config.task != "seg":
        raise NlptkError(f"{path}: a {model.config.task} model, not a segmentation model")
    return model


class UserDict:
    """Words kept whole: every occurrence in the text is one word (leftmost-longest among overlaps)."""

    def __init__(self, words: Iterable[str]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for word in words:
            self._automaton.add_word(word, len(word))
        self.size = len(self._automaton)
        if self.size:
            self._automaton.make_automaton()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> UserDict:
        """A jieba-format word list, ``word [freq [tag]]`` per line (only the words matter)."""
        return cls(Lexicon.load(path))

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the occurrences kept whole: leftmost first, then longest, none overlapping."""
        if not self.size:
            return []
        found = sorted((end + 1 - length, -length) for end, length in self._automaton.iter(text))
        chosen: list[tuple[int, int]] = []
        reached = 0
        for start, minus_length in found:
            if start >= reached:
                reached = start - minus_length
                chosen.append((start, reached))
        return chosen


def constraints(text: str, user_dict: UserDict | None = None) -> np.ndarray:
    """FREE, START or INSIDE for every character of ``text``, whose only whitespace is line breaks
    between runs (see the module doc)."""
    out = np.zeros(len(text), dtype=np.int8)
    if len(text) < 2:
        return out
    out[_latin_words(text)] = INSIDE
    classes = classify(text)
    han, letter = classes == CharClass.HAN, classes == CharClass.LATIN
    out[1:][(han[:-1] & letter[1:]) | (letter[:-1] & han[1:])] = START
    for start, end in user_dict.occurrences(text) if user_dict is not None else ():
        out[start] = START
        out[start + 1 : end] = INSIDE
        if end < len(text):
            out[end] = START
    return out


def _latin_words(text: str) -> np.ndarray:
    """True where a character continues a Latin/digit word: letters and digits in a row, ASCII
    punctuation between two of them (``3.14``, ``e-mail``) and ASCII symbols after them (``C++``)."""
    cps = codepoints(text)
    classes = char_class_table()[cps]
    latin = is_latin_or_digit(classes)
    ascii_mark = (cps < 0x80) & ((classes == CharClass.PUNCT) | (classes == CharClass.SYMBOL))
    joined = latin.copy()
    joined[1:-1] |= ascii_mark[1:-1] & latin[:-2] & latin[2:]
    symbols = ascii_mark & (classes == CharClass.SYMBOL)
    for i in np.flatnonzero(symbols[1:] & joined[:-1]).tolist():
        while i + 1 < len(text) and symbols[i + 1]:
            joined[i + 1] = True
            i += 1
    inside = np.zeros(len(text), dtype=bool)
    inside[1:] = joined[:-1] & joined[1:]
    return inside


class Segmenter:
    """The model segmenter for Python users: ``nlptk.Segmenter(standard="ctb").cut(text)``, what
    ``nlptk segment --standard ctb`` does (``model``: another model directory; ``user_dict``:
    words to keep whole, as ``--user-dict``; ``backend``: "numpy", "torch" or "auto", which
    here is numpy)."""

    def __init__(
        self,
        standard: str = DEFAULT_STANDARD,
        model: str | os.PathLike[str] | None = None,
        user_dict: Iterable[str] | None = None,
        backend: str = DEFAULT_BACKEND,
        threads: int = 0,
    ) -> None:
        self.model = load_segmenter(model, backend, threads)
        self.model.standard_index(standard)  # a standard the model does not know fails here
        self.standard = standard
        self.user_dict = UserDict(user_dict) if user_dict is not None else None

    def cut(self, text: str) -> list[str]:
        """The words of ``text`` (one line)."""
        return next(self.cut_lines([text]))

    def cut_lines(self, lines: Iterable[str]) -> Iterator[list[str]]:
        """The words of each line, in batches."""
        return segment_texts(self.model, lines, self.user_dict, self.standard)


def segment_texts(
    model: TaggerBase, lines: Iterable[str], user_dict: UserDict | None = None, standard: str | None = None
) -> Iterator[list[str]]:
    """Words of each line, by the segmentation ``standard`` (a name the model knows; None: its first)."""
    for line in segment_lines(model, lines, user_dict, standard):
        yield line.split(" ") if line else []


def segment_lines(
    model: TaggerBase, lines: Iterable[str], user_dict: UserDict | None = None, standard: str | None = None
) -> Iterator[str]:
    """Each line's words joined by single spaces."""
    for text in segment_stream(model, (line + "\n" for line in lines), user_dict, standard):
        yield from text.split("\n")[:-1]


def segment_stream(
    model: TaggerBase, chunks: Iterable[str], user_dict: UserDict | None = None, standard: str | None = None
) -> Iterator[str]:
    """Segmented text of text ``chunks`` that may cut lines anywhere: words joined by spaces,
    one output line per input line (an unterminated last line gets a newline)."""
    index = model.standard_index(standard)  # an unknown name fails before any input is read
    line_has_words = False
    for pieces in _batches(bounded_pieces(chunks)):
        out: list[str] = []
        segmented = _segment_batch(model, [p for p, _ in pieces], user_dict, index)
        for (_, ends_line), words in zip(pieces, segmented, strict=True):
            if words:
                out.append(" " + words if line_has_words else words)
                line_has_words = True
            if ends_line:
                out.append("\n")
                line_has_words = False
        yield "".join(out)


def bounded_pieces(chunks: Iterable[str], limit: int = PIECE_CHARS) -> Iterator[tuple[str, bool]]:
    """``(text, ends_line)`` pieces of at most ``limit`` characters: whole lines, and long lines cut
    after their last whitespace or sentence punctuation within each ``limit`` characters."""
    rest = ""
    for chunk in chunks:
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        for line in lines:
            pieces = _cut(line, limit)
            yield from ((piece, False) for piece in pieces[:-1])
            yield pieces[-1], True
        if len(rest) > limit:
            pieces = _cut(rest, limit)
            yield from ((piece, False) for piece in pieces[:-1])
            rest = pieces[-1]
    if rest:
        yield rest, True


def _cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(char) for char in CUT_AFTER) + 1 or limit
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def _batches(pieces: Iterable[tuple[str, bool]]) -> Iterator[list[tuple[str, bool]]]:
    batch: list[tuple[str, bool]] = []
    chars = 0
    for piece in pieces:
        batch.append(piece)
        chars += len(piece[0])
        if len(batch) >= PIECES_PER_BATCH or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _penalties(model: TaggerBase) -> np.ndarray:
    """(3, tags) scores added to the emissions of FREE, START and INSIDE positions."""
    prefixes = [split_tag(tag)[0] for tag in model.scheme.tags]
    penalties = np.zeros((3, len(prefixes)), dtype=np.float32)
    penalties[START, [p not in {"B", "S"} for p in prefixes]] = FORBIDDEN
    penalties[INSIDE, [p not in INSIDE_PREFIXES | {"E"} for p in prefixes]] = FORBIDDEN
    return penalties


def _model_pieces(run: str, allowed: np.ndarray, max_len: int) -> list[int]:
    """Offsets where ``run`` is cut for the model: those of :func:`chunk_text`, moved off INSIDE positions."""
    if len(run) <= max_len:
        return [0, len(run)]
    cuts = [0]
    for piece in chunk_text(run, max_len):
        cut = cuts[-1] + len(piece)
        while cut < len(run) and allowed[cut] == INSIDE:
            cut += 1  # a word never crosses a cut; such a piece is longer than max_len
        if cut > cuts[-1]:
            cuts.append(cut)
    return cuts


def _segment_batch(model: TaggerBase, texts: list[str], user_dict: UserDict | None, standard: int) -> list[str]:
    """Each text's words joined by spaces, laid out with numpy: a space after every word but the last."""
    runs_per_text = [text.split() for text in texts]
    runs = [run for text_runs in runs_per_text for run in text_runs]
    if not runs:
        return [""] * len(texts)
    penalties = _penalties(model)
    pieces: list[str] = []
    biases: list[np.ndarray] = []
    # The constraints of all runs at once: a line break (never in a run) keeps them apart.
    allowed_all = constraints("\n".join(runs), user_dict)
    offset = 0
    for run in runs:
        allowed = allowed_all[offset : offset + len(run)]
        offset += len(run) + 1
        cuts = _model_pieces(run, allowed, model.config.max_len)
        for start, end in itertools.pairwise(cuts):
            pieces.append(run[start:end])
            biases.append(penalties[allowed[start:end]])
    word_end = np.zeros(len(model.scheme.tags), dtype=bool)
    word_end[[model.scheme.index("E"), model.scheme.index("S")]] = True
    ends = word_end[np.concatenate(model.tag_pieces(pieces, biases, standard))]
    chars = codepoints("".join(runs))
    run_ends = np.cumsum([len(r) for r in runs]) - 1
    ends[run_ends] = True
    last_run_of_text = np.cumsum([len(r) for r in runs_per_text if r]) - 1
    after = np.where(ends, ord(" "), 0).astype(np.uint32)
    after[run_ends[last_run_of_text]] = ord("\n")
    keep = np.stack((np.ones(len(chars), dtype=bool), ends), axis=1).ravel()
    laid_out = np.stack((chars, after), axis=1).ravel()[keep]
    segmented = iter(laid_out.tobytes().decode("utf-32-le").split("\n"))
    return [next(segmented) if text_runs else "" for text_runs in runs_per_text]
