"""Constraints that any generator may hand to :func:`~nlptk.decode.decode`: a callable
``(step, rows, history) -> allowed`` giving, per row, the tokens that may come next."""

from __future__ import annotations

from collections.abc import Sequence

import torch


class NoRepeatConstraint:
    """Forbids the tokens in ``forbidden`` and any token that would repeat an ``n``-gram already in
    the sequence; ``end`` (``<eos>``) is always allowed, and at step ``last_step`` (when given) it
    is the only token allowed, so every sequence ends within the length limit."""

    def __init__(
        self, vocab_size: int, *, end: int, forbidden: Sequence[int] = (), n: int = 3, last_step: int | None = None
    ) -> None:
        if n < 2:
            raise ValueError("a no-repeat n-gram constraint needs n >= 2")
        self.vocab_size, self.end, self.forbidden, self.n, self.last_step = (
            vocab_size,
            end,
            list(forbidden),
            n,
            last_step,
        )

    def __call__(self, step: int, rows: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        allowed = torch.ones((len(rows), self.vocab_size), dtype=torch.bool)
        if step == self.last_step:
            allowed[:] = False
            allowed[:, self.end] = True
            return allowed
        allowed[:, self.forbidden] = False
        if step < self.n:
            return allowed
        prefix = history[:, step - self.n + 1 :]  # the last n-1 tokens
        earlier = history[:, : step - 1].unfold(1, self.n - 1, 1)  # (n-1)-grams starting at 0..step-n
        rows_hit, starts = (earlier == prefix[:, None, :]).all(dim=-1).nonzero(as_tuple=True)
        allowed[rows_hit, history[rows_hit, starts + self.n - 1]] = False
        allowed[:, self.end] = True
        return allowed
