"""Scoring a couplet model on pairs: character BLEU-4 against the gold second lines and the rates
at which answers keep the constraints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlptk.decode import Decoding
from nlptk.overlap import corpus_bleu
from nlptk.seq2seq.couplet.constraints import check_answer
from nlptk.seq2seq.couplet.data import Pair
from nlptk.seq2seq.couplet.generate import answer_lines
from nlptk.seq2seq.couplet.model import CoupletModel


def group_references(pairs: Sequence[Pair]) -> dict[str, list[str]]:
    """Each distinct first line (in order of appearance) with all its gold second lines."""
    references: dict[str, list[str]] = {}
    for first, second in pairs:
        references.setdefault(first, []).append(second)
    return references


@dataclass
class CoupletScores:
    """BLEU-4 and constraint rates of a model's answers (see :func:`evaluate_couplets`)."""

    pairs: int
    first_lines: int
    decoder: str
    bleu4: float
    same_length: float
    punctuation_in_place: float
    same_position_repeats: int
    mirrored: float
    refused: int


@dataclass
class CoupletEvaluation:
    """The scores, and each distinct first line with its gold second lines and the answer scored."""

    scores: CoupletScores
    firsts: list[str]
    references: list[list[str]]
    predictions: list[str]


def evaluate_couplets(
    model: CoupletModel, pairs: Sequence[Pair], decoding: Decoding, seed: int = 0
) -> CoupletEvaluation:
    """BLEU-4 (corpus, characters; a first line listed several times has every listed second line
    as a reference) and constraint rates of the best answer to each distinct first line. A line
    the model refuses (too long, not Chinese) counts as an empty answer. Sampling decoders draw
    with ``seed``."""
    if not pairs:
        raise ValueError("no pairs to evaluate")
    references = group_references(pairs)
    firsts = list(references)
    answers = answer_lines(model, firsts, decoding, seed=seed)
    predicted = [a.candidates[0] if a.candidates else "" for a in answers]
    checks = [check_answer(first, second) for first, second in zip(firsts, predicted, strict=True)]
    count = len(firsts)
    scores = CoupletScores(
        pairs=len(pairs),
        first_lines=count,
        decoder=decoding.name,
        bleu4=corpus_bleu(list(references.values()), predicted),
        same_length=sum(c.same_length for c in checks) / count,
        punctuation_in_place=sum(c.punctuation_in_place for c in checks) / count,
        same_position_repeats=sum(c.same_position_repeat for c in checks),
        mirrored=sum(c.mirrored for c in checks) / count,
        refused=sum(a.error is not None for a in answers),
    )
    return CoupletEvaluation(scores, firsts, list(references.values()), predicted)
