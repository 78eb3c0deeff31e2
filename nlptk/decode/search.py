"""Greedy, sampling and beam decoding over any incremental model, vectorised over a batch.

A model plugs in through :class:`StepModel`: ``step(state, tokens)`` gives the log-probabilities
of the next token after ``tokens`` (one per row) and the new state, so a prefix is never run
again; ``select(state, rows)`` keeps (and repeats) rows of a state, for beams and for dropping
finished rows. Rows that produce ``<eos>`` stop; the others stop at ``max_len`` and are
reported as not terminated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from nlptk.decode.decoding import Decoding
from nlptk.decode.filters import keep_token, nucleus_mask, restrict, top_k_mask

State = Any
# constraint(step, rows, history) -> allowed tokens (len(rows), V); rows index the batch and
# history holds each row's tokens so far (len(rows), step).
Constraint = Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor]
MAX_CANDIDATES = 1000  # most continuations asked for one context (each is decoded, and kept, at once)


class StepModel(Protocol):
    def step(self, state: State, tokens: torch.Tensor) -> tuple[torch.Tensor, State]:
        """Log-probabilities (B, V) of the token after ``tokens`` (B,), and the new state.

        The log-probabilities are a new tensor: the search may change it in place."""
        ...

    def select(self, state: State, rows: torch.Tensor) -> State:
        """The state of ``rows`` (indices into the batch, repeats allowed)."""
        ...


@dataclass
class Hypothesis:
    tokens: list[int]  # without <eos>
    score: float  # model log-probability, <eos> included when terminated
    terminated: bool


@torch.no_grad()
def decode(
    model: StepModel,
    state: State,
    start: torch.Tensor,
    decoding: Decoding,
    eos: int,
    constraint: Constraint | None = None,
    generator: torch.Generator | None = None,
) -> list[Hypothesis]:
    """One continuation per row of ``start`` (the last given token of each row).

    A ``constraint`` must allow at least one token at every step; a beam row that it leaves
    without any hypothesis gets an empty, unterminated one scored -inf.
    """
    if decoding.method == "beam":
        found = beam_search(model, state, start, decoding, eos, constraint)
        return [best[0] if best else Hypothesis([], float("-inf"), False) for best in found]
    return sample(model, state, start, decoding, eos, constraint, generator)


@torch.no_grad()
def sample(
    model: StepModel,
    state: State,
    start: torch.Tensor,
    decoding: Decoding,
    eos: int,
    constraint: Constraint | None = None,
    generator: torch.Generator | None = None,
) -> list[Hypothesis]:
    """Greedy decoding, or sampling from the (filtered, tempered) next-token distribution."""
    size = len(start)
    history = torch.full((size, min(decoding.max_len, 64)), eos, dtype=torch.long)  # doubled when full
    lengths = torch.full((size,), decoding.max_len, dtype=torch.long)
    terminated = torch.zeros(size, dtype=torch.bool)
    scores = torch.zeros(size, dtype=torch.float64)
    rows = torch.arange(size)
    last = start
    for step in range(decoding.max_len):
        if step == history.shape[1]:
            history = torch.cat([history, torch.full_like(history, eos)], dim=1)
        log_probs, state = model.step(state, last)
        allowed = None if constraint is None else constraint(step, rows, history[rows, :step])
        choice = _choose(log_probs.float(), allowed, decoding, eos, generator)
        scores[rows] += log_probs.gather(1, choice[:, None])[:, 0].double()
        history[rows, step] = choice
        done = choice == eos
        if done.any():
            finished = rows[done]
            terminated[finished] = True
            lengths[finished] = step
            keep = torch.nonzero(~done)[:, 0]
            if len(keep) == 0:
                break
            rows, choice = rows[keep], choice[keep]
            state = model.select(state, keep)
        last = choice
    return [Hypothesis(history[i, : lengths[i]].tolist(), float(scores[i]), bool(terminated[i])) for i in range(size)]


def _choose(
    log_probs: torch.Tensor,
    allowed: torch.Tensor | None,
    decoding: Decoding,
    eos: int,
    generator: torch.Generator | None,
) -> torch.Tensor:
    if allowed is not None:
        log_probs = restrict(log_probs, allowed)
    if decoding.method == "greedy" or decoding.temperature == 0:
        return log_probs.argmax(dim=-1)
    if decoding.temperature != 1.0:
        log_probs = torch.log_softmax(log_probs / decoding.temperature, dim=-1)
    mask = None
    if decoding.top_k:
        mask = top_k_mask(log_probs, decoding.top_k)
    elif decoding.top_p:
        mask = nucleus_mask(log_probs, decoding.top_p)
    if mask is not None:
        if decoding.consistent:
            mask = keep_token(mask, eos)  # a forbidden <eos> keeps its -inf
        log_probs = restrict(log_probs, mask)
    return torch.multinomial(log_probs.exp(), 1, generator=generator)[:, 0]


@torch.no_grad()
def beam_search(
    model: StepModel,
    state: State,
    start: torch.Tensor,
    decoding: Decoding,
    eos: int,
    constraint: Constraint | None = None,
    n_best: int = 1,
) -> list[list[Hypothesis]]:
    """The ``n_best`` highest-ranked hypotheses of each row, best first.

    Each step extends every live beam by every token and keeps the ``beam`` best non-``<eos>``
    extensions; ``<eos>`` extensions ranked among the best ``beam`` are finished hypotheses.
    Without a length penalty a row stops as soon as its ``n_best`` finished hypotheses score at
    least as well as every live beam (scores only fall, so this is exact); with one, once it
    has ``beam`` finished hypotheses. Live beams at ``max_len`` compete, unterminated, too.
    """
    width, n_best = decoding.beam, min(n_best, decoding.beam)
    size = len(start)
    items = torch.arange(size)  # the rows still searching
    last = start
    beam_scores = torch.zeros((size, 1), dtype=torch.float64)  # one beam per row until the first step
    trail = _Trail(size)
    finished = _Finished(size, n_best)
    history = torch.zeros((size, 0), dtype=torch.long)  # each live beam's tokens (for constraints)
    for step in range(decoding.max_len):
        log_probs, state = model.step(state, last)
        beams_per_row = beam_scores.shape[1]
        if constraint is not None:
            allowed = constraint(step, items.repeat_interleave(beams_per_row), history)
            log_probs.masked_fill_(~allowed, float("-inf"))
        # The best 2·width extensions of a row are among the best 2·width tokens of each of its beams.
        per_beam = min(2 * width, log_probs.shape[-1])
        beam_top, beam_tokens = torch.topk(log_probs, per_beam, dim=1)
        candidates = beam_scores[:, :, None] + beam_top.double().view(len(items), beams_per_row, per_beam)
        candidates = candidates.view(len(items), -1)
        top_scores, top_index = torch.topk(candidates, min(2 * width, candidates.shape[1]), dim=1)
        parents = top_index // per_beam
        tokens = torch.gather(beam_tokens.view(len(items), -1), 1, top_index)
        ending = tokens == eos
        if ending.any():
            # <eos> extensions ranked among the best `width` finish (their tokens end at step - 1).
            ends = ending[:, :width] & torch.isfinite(top_scores[:, :width])
            if ends.any():
                score = top_scores[:, :width].masked_fill(~ends, float("-inf"))
                finished.add(items, score, _rank(score, step + 1, decoding), step - 1, parents[:, :width])
            # The best `width` extensions that do not end (there are always enough of them).
            order = torch.argsort(ending.to(torch.int8), dim=1, stable=True)[:, :width]
            beam_scores = torch.gather(top_scores.masked_fill(ending, float("-inf")), 1, order)
            parents, tokens = torch.gather(parents, 1, order), torch.gather(tokens, 1, order)
        else:
            beam_scores, parents, tokens = top_scores[:, :width], parents[:, :width], tokens[:, :width]
        trail.push(items, parents, tokens)
        best_live = _rank(beam_scores.max(dim=1).values, step + 1, decoding)
        done = finished.complete(items, best_live, decoding.length_penalty > 0, width)
        if step + 1 == decoding.max_len:
            # Live beams at the length limit compete as unterminated hypotheses.
            live = ~done
            score = beam_scores[live]
            beams_now = torch.arange(score.shape[1]).expand_as(score)
            finished.add(items[live], score, _rank(score, step + 1, decoding), step, beams_now, True)
            break
        if done.any():
            keep = torch.nonzero(~done)[:, 0]
            if len(keep) == 0:
                break
            items, beam_scores, parents, tokens = items[keep], beam_scores[keep], parents[keep], tokens[keep]
        else:
            keep = torch.arange(len(items))
        beams = (keep[:, None] * beams_per_row + parents).view(-1)
        state = model.select(state, beams)
        last = tokens.reshape(-1)
        if constraint is not None:
            history = torch.cat([history[beams], last[:, None]], dim=1)
    return finished.hypotheses(trail)


def _rank(score: torch.Tensor, length: int, decoding: Decoding) -> torch.Tensor:
    return score / length**decoding.length_penalty if decoding.length_penalty else score


class _Trail:
    """Per step: the searching rows, each beam's parent beam and its token; traced back at the end."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.steps: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def push(self, items: torch.Tensor, parents: torch.Tensor, tokens: torch.Tensor) -> None:
        self.steps.append((items, parents, tokens))


class _Finished:
    """The ``n`` best-ranked finished hypotheses of every row: their last step and beam there."""

    def __init__(self, size: int, n: int) -> None:
        self.rank = torch.full((size, n), float("-inf"), dtype=torch.float64)
        self.score = torch.zeros((size, n), dtype=torch.float64)
        self.last = torch.zeros((size, n), dtype=torch.long)  # step of the last token before <eos> (-1: none)
        self.beam = torch.zeros((size, n), dtype=torch.long)  # beam index at that step
        self.live = torch.zeros((size, n), dtype=torch.bool)  # unterminated (reached max_len)
        self.count = torch.zeros(size, dtype=torch.long)
        self.any_added = False  # nothing offered yet: only rows without live beams are complete

    def add(
        self,
        items: torch.Tensor,
        score: torch.Tensor,
        rank: torch.Tensor,
        last: int,
        beams: torch.Tensor,
        live: bool = False,
    ) -> None:
        """Offer (len(items), k) hypotheses; ranks of -inf are no hypothesis."""
        self.any_added = True
        self.count[items] += torch.isfinite(rank).sum(dim=1)
        n = self.rank.shape[1]
        rank = torch.cat([self.rank[items], rank], dim=1)
        best = torch.topk(rank, n, dim=1).indices
        self.rank[items] = torch.gather(rank, 1, best)
        self.score[items] = torch.gather(torch.cat([self.score[items], score], dim=1), 1, best)
        new_last = torch.full_like(beams, last)
        self.last[items] = torch.gather(torch.cat([self.last[items], new_last], dim=1), 1, best)
        self.beam[items] = torch.gather(torch.cat([self.beam[items], beams], dim=1), 1, best)
        new_live = torch.full_like(beams, live, dtype=torch.bool)
        self.live[items] = torch.gather(torch.cat([self.live[items], new_live], dim=1), 1, best)

    def complete(self, items: torch.Tensor, best_live: torch.Tensor, penalised: bool, width: int) -> torch.Tensor:
        """Rows whose result can no longer change (no live beam, or see :func:`beam_search`)."""
        hopeless = ~torch.isfinite(best_live)
        if not self.any_added:
            return hopeless
        if penalised:
            return hopeless | (self.count[items] >= width)
        return hopeless | (self.rank[items].min(dim=1).values >= best_live)

    def hypotheses(self, trail: _Trail) -> list[list[Hypothesis]]:
        order = torch.argsort(self.rank, dim=1, descending=True, stable=True)
        rank = torch.gather(self.rank, 1, order)
        item, position = torch.nonzero(torch.isfinite(rank), as_tuple=True)  # row-major: best first
        slot = order[item, position]
        last = self.last[item, slot]
        tokens = _trace(trail, item, self.beam[item, slot], last)
        results: list[list[Hypothesis]] = [[] for _ in range(self.rank.shape[0])]
        for k in range(len(item)):
            results[int(item[k])].append(
                Hypothesis(
                    tokens[k, : int(last[k]) + 1].tolist(),
                    float(self.score[item[k], slot[k]]),
                    not bool(self.live[item[k], slot[k]]),
                )
            )
        return results


def _trace(trail: _Trail, items: torch.Tensor, beams: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
    """Tokens of each hypothesis, traced back from beam ``beams`` at step ``last`` (-1: none)."""
    width = int(last.max()) + 1 if len(last) else 0
    out = torch.zeros((len(items), max(width, 0)), dtype=torch.long)
    beams = beams.clone()
    for step in range(width - 1, -1, -1):
        active = last >= step
        if not active.any():
            continue
        step_items, parents, tokens = trail.steps[step]
        position = torch.full((trail.size,), -1, dtype=torch.long)
        position[step_items] = torch.arange(len(step_items))
        rows = position[items[active]]
        out[active, step] = tokens[rows, beams[active]]
        beams[active] = parents[rows, beams[active]]
    return out
