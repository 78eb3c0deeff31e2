"""Titling articles: encode each batch once, decode through :mod:`nlptk.decode` with the
decoder's cached state, never emitting <unk> or repeating a character 3-gram."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from nlptk import checks
from nlptk.decode import Decoding, Hypothesis, decode
from nlptk.title.model import EOS, UNK, TitleDecoder, TitleModel

BATCH = 64  # articles decoded together
NO_REPEAT = 3  # a title never repeats a character n-gram of this length


class NoRepeatConstraint:
    """Forbids <unk>, and any character that would repeat an n-gram already in the title; at step
    ``last_step`` (when given) only <eos> is allowed, so every title ends within the length limit."""

    def __init__(self, vocab_size: int, n: int = NO_REPEAT, last_step: int | None = None) -> None:
        self.vocab_size, self.n, self.last_step = vocab_size, n, last_step

    def __call__(self, step: int, rows: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        allowed = torch.ones((len(rows), self.vocab_size), dtype=torch.bool)
        if step == self.last_step:
            allowed[:] = False
            allowed[:, EOS] = True
            return allowed
        allowed[:, UNK] = False
        if step < self.n:
            return allowed
        prefix = history[:, step - self.n + 1 :]  # the last n-1 characters
        earlier = history[:, : step - 1].unfold(1, self.n - 1, 1)  # (n-1)-grams starting at 0..step-n
        rows_hit, starts = (earlier == prefix[:, None, :]).all(dim=-1).nonzero(as_tuple=True)
        allowed[rows_hit, history[rows_hit, starts + self.n - 1]] = False
        allowed[:, EOS] = True
        return allowed


@torch.inference_mode()
def generate_titles(model: TitleModel, articles: Sequence[str], decoding: Decoding, seed: int = 0) -> list[Hypothesis]:
    """One title (as a hypothesis of character ids) per article, in order, from the article's
    first ``model.config.max_input`` characters; longest articles first within batches so that
    little is padding. Sampling decoders draw from a generator seeded by ``seed``. A title still
    going at the last step of ``decoding.max_len`` is ended there (so it has at most max_len − 1
    characters)."""
    checks.seed(seed)
    generator = torch.Generator().manual_seed(seed)
    decoder = TitleDecoder(model)
    constraint = NoRepeatConstraint(len(model.vocab), last_step=decoding.max_len - 1)
    order = sorted(range(len(articles)), key=lambda i: -len(articles[i]))
    found: list[Hypothesis | None] = [None] * len(articles)
    for start in range(0, len(order), BATCH):
        chosen = order[start : start + BATCH]
        ids, mask = model.encode_texts([articles[i] for i in chosen], model.config.max_input)
        state = (model.encode(ids, mask), None)
        begin = torch.full((len(chosen),), EOS, dtype=torch.long)
        for i, hypothesis in zip(
            chosen, decode(decoder, state, begin, decoding, EOS, constraint, generator), strict=True
        ):
            found[i] = hypothesis
    return found  # type: ignore[return-value]


def title_text(model: TitleModel, hypothesis: Hypothesis) -> str:
    return "".join(model.vocab.decode(hypothesis.tokens))
