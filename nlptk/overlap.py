"""N-gram overlap scores of generated text against references, on characters (or any tokens):
corpus-level BLEU and sentence-averaged ROUGE-N / ROUGE-L F1."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def ngrams(tokens: Sequence, n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references: Sequence[Sequence[Sequence]], hypotheses: Sequence[Sequence], order: int = 4) -> float:
    """Papineni et al.'s BLEU over the whole corpus; each hypothesis has one or more references.

    N-gram counts are clipped by their largest count in any reference and summed over all
    hypotheses; the geometric mean of the precisions is multiplied by the brevity penalty (the
    reference length closest to each hypothesis counts). 0 when some order has no match.
    """
    if len(references) != len(hypotheses):
        raise ValueError("BLEU needs references for every hypothesis")
    matched = [0] * order
    total = [0] * order
    ref_length = hyp_length = 0
    for refs, hypothesis in zip(references, hypotheses, strict=True):
        if not refs:
            raise ValueError("BLEU needs at least one reference per hypothesis")
        ref_length += min((abs(len(r) - len(hypothesis)), len(r)) for r in refs)[1]
        hyp_length += len(hypothesis)
        for n in range(1, order + 1):
            hyp = ngrams(hypothesis, n)
            most = Counter()
            for ref in refs:
                most |= ngrams(ref, n)
            matched[n - 1] += sum((hyp & most).values())
            total[n - 1] += sum(hyp.values())
    if not hyp_length or min(matched) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matched, total, strict=True)) / order
    brevity = min(0.0, 1 - ref_length / hyp_length)
    return math.exp(log_precision + brevity)


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(reference: Sequence, hypothesis: Sequence, n: int) -> float:
    """ROUGE-N F1 of one pair."""
    ref, hyp = ngrams(reference, n), ngrams(hypothesis, n)
    return _f1(sum((ref & hyp).values()), sum(hyp.values()), sum(ref.values()))


def lcs_length(a: Sequence, b: Sequence) -> int:
    """Length of the longest common subsequence (O(len(a)·len(b)) time, O(len(b)) memory)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(reference: Sequence, hypothesis: Sequence) -> float:
    """ROUGE-L F1 (β = 1) of one pair."""
    return _f1(lcs_length(reference, hypothesis), len(hypothesis), len(reference))


def mean_rouge(references: Sequence[Sequence], hypotheses: Sequence[Sequence]) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 averaged over pairs."""
    if len(references) != len(hypotheses) or not references:
        raise ValueError("ROUGE needs one reference per hypothesis, and at least one pair")
    pairs = list(zip(references, hypotheses, strict=True))
    return {
        "rouge-1": sum(rouge_n(r, h, 1) for r, h in pairs) / len(pairs),
        "rouge-2": sum(rouge_n(r, h, 2) for r, h in pairs) / len(pairs),
        "rouge-l": sum(rouge_l(r, h) for r, h in pairs) / len(pairs),
    }
