"""SIGHAN bakeoff-style scoring of word segmentation.

Gold and predicted lines hold whitespace-separated words over the same characters. Words are
compared as ``(start, end)`` character spans of each line with whitespace removed; precision,
recall and F1 count exactly matching spans, and OOV/IV recall split the gold words by whether
they occur in the training word list.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import zip_longest
from typing import Any

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs

_EXCERPT = 12


@dataclass(frozen=True)
class SegScore:
    """Word-level scores of a segmentation; the OOV fields are ``None`` without a training list."""

    precision: float
    recall: float
    f1: float
    oov_rate: float | None
    oov_recall: float | None
    iv_recall: float | None
    gold_words: int
    pred_words: int
    lines: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _spans(words: list[str]) -> Iterator[tuple[int, int]]:
    pos = 0
    for word in words:
        end = pos + len(word)
        yield pos, end
        pos = end


def _excerpt(text: str, at: int) -> str:
    start = max(0, at - _EXCERPT // 2)
    head = "…" if start > 0 else ""
    tail = "…" if start + _EXCERPT < len(text) else ""
    return head + text[start : start + _EXCERPT] + tail


def _text_mismatch(lineno: int, gold: str, pred: str) -> NlptkError:
    at = next((i for i, (g, p) in enumerate(zip(gold, pred, strict=False)) if g != p), min(len(gold), len(pred)))
    return NlptkError(
        f"line {lineno}: gold and prediction differ in text (gold '{_excerpt(gold, at)}', pred '{_excerpt(pred, at)}')"
    )


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score_segmentation(
    gold_lines: Iterable[str],
    pred_lines: Iterable[str],
    training_words: Container[str] | None = None,
) -> SegScore:
    """Precision, recall, F1 and OOV/IV recall of ``pred_lines`` against ``gold_lines``.

    Lines are paired in order and must hold the same characters once whitespace is removed
    (blank lines pair with blank lines; trailing blank lines are ignored), otherwise
    :class:`NlptkError` names the first bad line; so it does when there are no words at all.
    Gold words not in ``training_words`` are OOV.
    """
    gold_total = pred_total = correct = 0
    oov_total = oov_correct = iv_total = iv_correct = 0
    gold_count = pred_count = 0  # lines read from each side
    gold_last = pred_last = 0  # number of each side's last non-blank line
    for lineno, (gold, pred) in enumerate(zip_longest(gold_lines, pred_lines), 1):
        gold_words = [] if gold is None else gold.split()
        pred_words = [] if pred is None else pred.split()
        if gold is not None:
            gold_count = lineno
            gold_last = lineno if gold_words else gold_last
        if pred is not None:
            pred_count = lineno
            pred_last = lineno if pred_words else pred_last
        if gold is None or pred is None:
            continue
        gold_text, pred_text = "".join(gold_words), "".join(pred_words)
        if gold_text != pred_text:
            raise _text_mismatch(lineno, gold_text, pred_text)
        predicted = set(_spans(pred_words))
        gold_total += len(gold_words)
        pred_total += len(pred_words)
        for word, span in zip(gold_words, _spans(gold_words), strict=True):
            hit = span in predicted
            correct += hit
            if training_words is None:
                continue
            if word in training_words:
                iv_total += 1
                iv_correct += hit
            else:
                oov_total += 1
                oov_correct += hit
    if max(gold_last, pred_last) > min(gold_count, pred_count):
        raise NlptkError(
            f"gold and prediction have different numbers of lines "
            f"(gold {gold_last} lines, prediction {pred_last} lines)"
        )
    if not gold_total:
        raise NlptkError("no words to score: the gold segmentation is empty")
    precision = correct / pred_total if pred_total else 0.0
    recall = correct / gold_total
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    known = training_words is not None
    return SegScore(
        precision=precision,
        recall=recall,
        f1=f1,
        oov_rate=_ratio(oov_total, gold_total) if known else None,
        oov_recall=_ratio(oov_correct, oov_total) if known else None,
        iv_recall=_ratio(iv_correct, iv_total) if known else None,
        gold_words=gold_total,
        pred_words=pred_total,
        lines=max(gold_last, pred_last),
    )


def load_word_list(path: str | os.PathLike[str], encoding_errors: EncodingErrors = "strict") -> set[str]:
    """Words of a word-list file: the first whitespace-separated field of each non-blank line."""
    words: set[str] = set()
    for line in read_lines(resolve_inputs([os.fspath(path)]), encoding_errors):
        fields = line.split(maxsplit=1)
        if fields:
            words.add(fields[0])
    return words


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def format_score(score: SegScore) -> str:
    """A small aligned block: counts, P, R, F1 and the OOV figures."""
    rows = [
        ("lines", str(score.lines)),
        ("gold words", str(score.gold_words)),
        ("predicted words", str(score.pred_words)),
        ("precision", _fmt(score.precision)),
        ("recall", _fmt(score.recall)),
        ("F1", _fmt(score.f1)),
        ("OOV rate", _fmt(score.oov_rate)),
        ("OOV recall", _fmt(score.oov_recall)),
        ("IV recall", _fmt(score.iv_recall)),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


@dataclass(frozen=True)
class SpanScore:
    """Precision, recall and F1 of labelled spans (entities, or words with their POS)."""

    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    correct: int

    def as_dict(self) -> dict:
        return asdict(self)


def score_spans(gold: Iterable[Iterable[tuple]], predicted: Iterable[Iterable[tuple]]) -> SpanScore:
    """Exact-match scores of span sets, sentence by sentence (spans are hashable tuples)."""
    n_gold = n_pred = n_correct = 0
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        g, p = set(gold_spans), set(pred_spans)
        n_gold += len(g)
        n_pred += len(p)
        n_correct += len(g & p)
    precision = n_correct / n_pred if n_pred else 1.0
    recall = n_correct / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SpanScore(precision, recall, f1, n_gold, n_pred, n_correct)
