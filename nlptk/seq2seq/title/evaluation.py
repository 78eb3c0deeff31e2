"""Scoring titles: character ROUGE-1/2/L F1 against gold titles, the lead baseline, termination and
repeated character 3-grams."""

from __future__ import annotations

from collections.abc import Sequence

from nlptk.overlap import mean_rouge, ngrams
from nlptk.seq2seq.title.data import Article, lead


def repeats_ngram(text: str, n: int = 3) -> bool:
    """True when some character n-gram occurs twice in ``text``."""
    return any(count > 1 for count in ngrams(text, n).values())


def score_titles(examples: Sequence[Article], titles: Sequence[str], terminated: Sequence[bool] | None = None) -> dict:
    """ROUGE F1 of ``titles`` against the examples' gold titles, with the share that terminated and
    that repeat a character 3-gram."""
    scores = mean_rouge([e.title for e in examples], titles)
    scores["titles"] = len(titles)
    scores["repeated_3gram"] = sum(repeats_ngram(t) for t in titles) / len(titles)
    if terminated is not None:
        scores["terminated"] = sum(terminated) / len(titles)
    scores["mean_length"] = sum(len(t) for t in titles) / len(titles)
    return scores


def lead_baseline(examples: Sequence[Article]) -> dict:
    """The scores of the lead baseline (first sentence, cut to 30 characters)."""
    return score_titles(examples, [lead(e.text) for e in examples])
