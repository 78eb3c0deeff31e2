"""Sentence templates: fixed words with slots X, found through skip-gram cohesion (飞象过河).

1. Cut lines into clauses (the fragments of the tokenization layer) and segment them.
2. Count words and skip-gram pairs (w_i, w_j), 0 < j − i ≤ window, within a clause.
3. Per clause, a DAG over word positions with an edge i → j iff p(w_i, w_j) > min_prob and
   ln(p(w_i, w_j) / (p(w_i) p(w_j))) > min_pmi.
4. Every maximal path (from a node no edge enters to one no edge leaves; isolated nodes
   too) is a candidate template: its words, with X wherever it skips words or stops short
   of an end of the clause. Count and rank them.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from nlptk.checks import at_least, between, fraction
from nlptk.errors import NlptkError
from nlptk.lexicon import Lexicon, segment
from nlptk.ngrams.keys import count_runs
from nlptk.ngrams.keyset import KeySet
from nlptk.text import is_han, is_word_char

SLOT = "X"

Template = tuple[str | None, ...]  # fixed words, None for a slot


MAX_WINDOW = 64


@dataclass(frozen=True)
class TemplateConfig:
    """Settings of :func:`induce_templates`."""

    window: int = 5  # words apart at most (1..MAX_WINDOW; a clause is rarely longer)
    min_prob: float = 1e-5
    min_pmi: float = 2.0
    min_count: int = 2
    keep_trivial: bool = False  # X w X: one word with slots on both sides
    max_words: int = 40  # longer clauses are left out (their path count explodes)
    max_paths: int = 64  # paths taken from one clause at most
    top: int = 0  # keep only the K most frequent templates (0: all)

    def __post_init__(self) -> None:
        between("window", self.window, 1, MAX_WINDOW)
        fraction("min_prob", self.min_prob)
        between("min_pmi", self.min_pmi, -math.inf, math.inf)  # any number, not nan
        at_least("min_count", self.min_count, 1)
        at_least("max_words", self.max_words, 1)
        at_least("max_paths", self.max_paths, 1)
        at_least("top", self.top, 0)


def template_text(template: Template) -> str:
    """``("请问", None)`` → ``请问X``; adjacent fixed words are written together."""
    return "".join(SLOT if element is None else element for element in template)


def parse_template(text: str) -> Template:
    """The elements of a written template: fixed strings and None for each X."""
    pieces = text.split(SLOT)
    elements: list[str | None] = []
    for i, piece in enumerate(pieces):
        if i:
            elements.append(None)
        if piece:
            elements.append(piece)
    if all(e is None for e in elements) or any(a is None and b is None for a, b in itertools.pairwise(elements)):
        raise NlptkError(f"template {text!r} needs a fixed word, and a fixed word between any two X")
    return tuple(elements)


def is_trivial(template: Template) -> bool:
    """One fixed word between two slots (X的X, X和X): it matches almost anything."""
    return len(template) == 3 and template[0] is None and template[2] is None


def clauses(lines: Iterable[str], lexicon: Lexicon) -> Iterator[list[str]]:
    """The words of each clause (run of Han, Latin and digit characters) of ``lines``."""
    for line in lines:
        clause: list[str] = []
        for word in segment(line, lexicon):
            if is_word_char(word[0]):
                clause.append(word)
            elif clause:
                yield clause
                clause = []
        if clause:
            yield clause


def induce_templates(
    lines: Iterable[str], lexicon: Lexicon, config: TemplateConfig | None = None
) -> list[tuple[str, int]]:
    """Templates of the text with their counts, most frequent first (written with X)."""
    config = config or TemplateConfig()
    word_ids: dict[str, int] = {}
    sentences = [
        [word_ids.setdefault(w, len(word_ids) + 1) for w in words]
        for words in clauses(lines, lexicon)
        if len(words) <= config.max_words
    ]
    if not word_ids:
        raise NlptkError("the input holds no text to find templates in (empty, or no Chinese characters)")
    words = ["", *word_ids]
    flat = np.zeros(sum(map(len, sentences)) + len(sentences) + config.window, dtype=np.int64)
    offsets = np.cumsum([0] + [len(s) + 1 for s in sentences])
    for start, sentence in zip(offsets.tolist(), sentences, strict=False):
        flat[start : start + len(sentence)] = sentence
    edges = _edges(flat, len(words), config)
    counts: Counter[Template] = Counter()
    for start, sentence in zip(offsets.tolist(), sentences, strict=False):
        rows = edges[start : start + len(sentence)].tolist()
        out = [[d for d, edge in enumerate(row) if edge] for row in rows]
        for path in _maximal_paths(out, config.max_paths):
            counts[_template(path, sentence, words)] += 1
    found = [
        (template_text(t), c)
        for t, c in counts.items()
        if c >= config.min_count
        and (config.keep_trivial or not is_trivial(t))
        and not any(SLOT in (e or "") for e in t)  # a literal X would read as a slot
        and any(is_han(ch) for e in t if e for ch in e)  # not bare numbers
    ]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found[: config.top or None]


def _edges(flat: np.ndarray, vocab: int, config: TemplateConfig) -> np.ndarray:
    """``edges[p, d − 1]``: the pair at positions p and p + d is a DAG edge (same clause, cohesive)."""
    n = len(flat) - config.window
    unit_counts = np.bincount(flat, minlength=vocab).astype(np.float64)
    unit_counts[0] = 0
    log_p = np.log(np.maximum(unit_counts, 1) / unit_counts.sum())
    keys = np.zeros((n, config.window), dtype=np.int64)
    valid = np.zeros((n, config.window), dtype=bool)
    same = flat[:n] != 0
    for d in range(1, config.window + 1):
        same = same & (flat[d : n + d] != 0)  # no separator between p and p + d
        valid[:, d - 1] = same
        keys[:, d - 1] = flat[:n] * vocab + flat[d : n + d]
    pair_keys, pair_counts = count_runs(np.sort(keys[valid]))
    total = pair_counts.sum()
    pmi = np.log(pair_counts / total) - log_p[pair_keys // vocab] - log_p[pair_keys % vocab]
    strong = pair_keys[(pair_counts / total > config.min_prob) & (pmi > config.min_pmi)]
    edges = np.zeros((n, config.window), dtype=bool)
    if len(strong):
        edges[valid] = KeySet(strong.astype(np.uint64)).contains(keys[valid].astype(np.uint64))
    return edges


def _maximal_paths(out: list[list[int]], limit: int) -> Iterator[list[int]]:
    """Paths from each node no edge enters to a node no edge leaves (``out[i]``: offsets − 1)."""
    n = len(out)
    entered = [False] * n
    for i, steps in enumerate(out):
        for d in steps:
            if i + d + 1 < n:
                entered[i + d + 1] = True
    produced = 0
    for first in range(n):
        if entered[first]:
            continue
        stack = [[first]]
        while stack and produced < limit:
            path = stack.pop()
            nexts = [path[-1] + d + 1 for d in out[path[-1]] if path[-1] + d + 1 < n]
            if not nexts:
                produced += 1
                yield path
            stack.extend([*path, j] for j in reversed(nexts))


def _template(path: list[int], sentence: list[int], words: list[str]) -> Template:
    """The path's words with a slot wherever it skips words or stops short of an end.

    Adjacent fixed words are joined, so a template has one form (that of :func:`parse_template`).
    """
    elements: list[str | None] = [None] if path[0] > 0 else []
    fixed = words[sentence[path[0]]]
    for a, b in itertools.pairwise(path):
        if b > a + 1:
            elements += [fixed, None]
            fixed = words[sentence[b]]
        else:
            fixed += words[sentence[b]]
    elements.append(fixed)
    if path[-1] < len(sentence) - 1:
        elements.append(None)
    return tuple(elements)
