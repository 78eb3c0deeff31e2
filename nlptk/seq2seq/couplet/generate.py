"""Answering first lines: check them, batch them by length, decode under the couplet constraints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import torch

from nlptk import checks
from nlptk.decode import MAX_CANDIDATES, Decoding, Hypothesis, beam_search, sample
from nlptk.seq2seq.couplet.config import ANSWER_DECODER
from nlptk.seq2seq.couplet.constraints import LineConstraint
from nlptk.seq2seq.couplet.data import check_line, clean_line, is_punctuation
from nlptk.seq2seq.couplet.model import CoupletDecoder, CoupletModel
from nlptk.seq2seq.vocab import EOS_ID

BATCH = 256  # first lines decoded together
SAMPLES_PER_CANDIDATE = 4  # sampling draws this many per wanted candidate, then keeps distinct ones


@dataclass
class Answer:
    """The second lines found for one first line, best first (or why there are none)."""

    first: str
    candidates: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # log-probabilities under the model
    error: str | None = None


def check_answering(n: int, seed: int) -> None:
    """The options of :func:`answer_lines`: ``n`` candidates (1 to MAX_CANDIDATES) and a valid ``seed``."""
    checks.between("candidates", n, 1, MAX_CANDIDATES)
    checks.seed(seed)


@torch.inference_mode()
def answer_lines(
    model: CoupletModel,
    lines: Sequence[str],
    decoding: Decoding | None = None,
    n: int = 1,
    seed: int = 0,
) -> list[Answer]:
    """Up to ``n`` (≥ 1) distinct second lines for each first line (whitespace inside a line is
    ignored), by ``decoding`` (default :data:`ANSWER_DECODER`); sampling decoders draw from a
    generator seeded by ``seed``."""
    decoding = decoding or Decoding.parse(ANSWER_DECODER)
    check_answering(n, seed)
    answers = [Answer(clean_line(line)) for line in lines]
    by_length: dict[int, list[int]] = {}
    for i, answer in enumerate(answers):
        answer.error = check_line(answer.first, model.config.max_len)
        if answer.error is None:
            by_length.setdefault(len(answer.first), []).append(i)
    generator = torch.Generator().manual_seed(seed)
    for length, members in sorted(by_length.items()):
        for start in range(0, len(members), BATCH):
            chosen = members[start : start + BATCH]
            firsts = [answers[i].first for i in chosen]
            found = _decode(model, firsts, replace(decoding, max_len=length), n, generator)
            for i, hypotheses in zip(chosen, found, strict=True):
                hypotheses = [h for h in hypotheses if h.score > float("-inf")]
                if not hypotheses:
                    answers[i].error = "no second line satisfies the constraints with this model's characters"
                answers[i].candidates = [_text(model, answers[i].first, h.tokens) for h in hypotheses]
                answers[i].scores = [h.score for h in hypotheses]
    return answers


def _decode(
    model: CoupletModel, firsts: list[str], decoding: Decoding, n: int, generator: torch.Generator
) -> list[list[Hypothesis]]:
    decoder = CoupletDecoder(model)
    ids, mask = model.encode_lines(firsts)
    state = decoder.start(model.encode(ids, mask))
    constraint = LineConstraint(firsts, model.vocab, model.han)
    start = torch.full((len(firsts),), EOS_ID, dtype=torch.long)
    if decoding.method != "sample":
        width = max(decoding.beam, n)
        return beam_search(decoder, state, start, replace(decoding, method="beam", beam=width), EOS_ID, constraint, n)
    draws = n * SAMPLES_PER_CANDIDATE if n > 1 else 1
    rows = torch.arange(len(firsts)).repeat_interleave(draws)
    repeated = LineConstraint([firsts[i] for i in rows.tolist()], model.vocab, model.han)
    drawn = sample(decoder, decoder.select(state, rows), start[rows], decoding, EOS_ID, repeated, generator)
    results: list[list[Hypothesis]] = []
    for row in range(len(firsts)):
        distinct: dict[tuple[int, ...], Hypothesis] = {}
        for hypothesis in drawn[row * draws : (row + 1) * draws]:
            distinct.setdefault(tuple(hypothesis.tokens), hypothesis)
        results.append(sorted(distinct.values(), key=lambda h: -h.score)[:n])
    return results


def _text(model: CoupletModel, first: str, tokens: list[int]) -> str:
    """The second line of ``tokens``, with the first line's punctuation in its place."""
    chars = model.vocab.decode(tokens)
    return "".join(a if is_punctuation(a) else b for a, b in zip(first, chars, strict=True))
