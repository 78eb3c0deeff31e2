"""Scoring a tagger (either backend) on tagged data, as the commands run it."""

from __future__ import annotations

from collections.abc import Sequence

from nlptk.evaluate import score_segmentation, score_spans
from nlptk.tagging.data import Example
from nlptk.tagging.inference import TaggerBase
from nlptk.tagging.schemes import spans
from nlptk.tagging.segmenter import segment_texts


def evaluate_tagger(model: TaggerBase, examples: Sequence[Example], training_words: set[str] | None = None) -> dict:
    """Scores of ``model`` on gold ``examples``: seg P/R/F1 (+OOV), entity P/R/F1, or POS F1/accuracy.

    Segmentation models are scored as ``nlptk segment`` runs them (:mod:`nlptk.tagging.segmenter`).
    """
    task = model.config.task
    if task == "seg" and len(model.config.standards) > 1:
        return _by_standard(model, examples, training_words)
    if task == "seg":
        return _segmentation_scores(model, examples, training_words, None)
    predicted = model.predict([e.text for e in examples])
    gold_spans = [spans(e.tags) for e in examples]
    pred_spans = [spans(p) for p in predicted]
    typed = score_spans(gold_spans, pred_spans)
    result = {"precision": typed.precision, "recall": typed.recall, "f1": typed.f1}
    if task == "pos":
        words = score_spans(([s[:2] for s in g] for g in gold_spans), ([s[:2] for s in p] for p in pred_spans))
        result["seg_f1"] = words.f1
        # Accuracy: the share of gold words found with the right boundaries and tag.
        result["accuracy"] = typed.recall
    return result


def _by_standard(model: TaggerBase, examples: Sequence[Example], training_words: set[str] | None) -> dict:
    """Segmentation scores of each standard's examples by that standard (``f1_ctb``, …) and their
    mean over the standards (``f1``, the score training keeps the best of)."""
    result: dict[str, float] = {}
    for index, name in enumerate(model.config.standards):
        own = [e for e in examples if e.standard == index]
        if own:
            scores = _segmentation_scores(model, own, training_words, name)
            result.update({f"{k}_{name}": v for k, v in scores.items()})
    for key in ("precision", "recall", "f1"):
        values = [v for k, v in result.items() if k.startswith(key + "_")]
        result[key] = sum(values) / len(values)
    return result


def _segmentation_scores(
    model: TaggerBase, examples: Sequence[Example], training_words: set[str] | None, standard: str | None
) -> dict[str, float]:
    """P/R/F1 (and OOV recall) of segmenting ``examples`` as ``nlptk segment --standard`` does."""
    gold_lines = [" ".join(e.text[s:t] for s, t, _ in spans(e.tags)) for e in examples]
    pred_lines = [" ".join(words) for words in segment_texts(model, [e.text for e in examples], None, standard)]
    score = score_segmentation(gold_lines, pred_lines, training_words)
    result = {"precision": score.precision, "recall": score.recall, "f1": score.f1}
    if score.oov_recall is not None:
        result["oov_recall"] = score.oov_recall
    return result
