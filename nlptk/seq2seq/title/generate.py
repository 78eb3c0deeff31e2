"""Titling articles: encode each batch once, decode through :mod:`nlptk.decode` with the
decoder's cached state, never emitting <unk> or repeating a character 3-gram."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from nlptk import checks
from nlptk.decode import Decoding, Hypothesis, decode
from nlptk.decode.constraints import NoRepeatConstraint
from nlptk.seq2seq.title.config import TITLE_DECODER, TITLE_MAX_LEN
from nlptk.seq2seq.title.data import Article
from nlptk.seq2seq.title.model import TitleDecoder, TitleModel
from nlptk.seq2seq.vocab import EOS_ID, UNK_ID

BATCH = 64  # articles decoded together
NO_REPEAT = 3  # a title never repeats a character n-gram of this length


@dataclass
class Titled:
    """The title of one article (empty, with ``error``, when it could not be titled)."""

    title: str
    terminated: bool = True  # False: still going at the length limit, ended there
    error: str | None = None
    truncated: bool = False  # longer than the model reads: titled from its beginning


def title_articles(
    model: TitleModel, articles: Sequence[Article], decoding: Decoding | None = None, seed: int = 0
) -> list[Titled]:
    """A title for each article, in order, by ``decoding`` (default :data:`TITLE_DECODER`, at most
    :data:`TITLE_MAX_LEN` characters). An article that could not be read, or is empty, gets its
    error instead; the others are still titled."""
    decoding = decoding or Decoding.parse(TITLE_DECODER, max_len=TITLE_MAX_LEN)
    limit = model.config.max_input
    good = [i for i, a in enumerate(articles) if a.error is None and a.text]
    texts = [articles[i].text[:limit] for i in good]
    found = dict(zip(good, generate_titles(model, texts, decoding, seed), strict=True))
    results = []
    for i, article in enumerate(articles):
        if i not in found:
            results.append(Titled("", error=article.error or "empty article"))
            continue
        hypothesis = found[i]
        results.append(Titled(title_text(model, hypothesis), hypothesis.terminated, None, len(article.text) > limit))
    return results


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
    constraint = NoRepeatConstraint(
        len(model.vocab), end=EOS_ID, forbidden=[UNK_ID], n=NO_REPEAT, last_step=decoding.max_len - 1
    )
    order = sorted(range(len(articles)), key=lambda i: -len(articles[i]))
    found: list[Hypothesis | None] = [None] * len(articles)
    for start in range(0, len(order), BATCH):
        chosen = order[start : start + BATCH]
        ids, mask = model.encode_texts([articles[i] for i in chosen], model.config.max_input)
        state = (model.encode(ids, mask), None)
        begin = torch.full((len(chosen),), EOS_ID, dtype=torch.long)
        for i, hypothesis in zip(
            chosen, decode(decoder, state, begin, decoding, EOS_ID, constraint, generator), strict=True
        ):
            found[i] = hypothesis
    return found  # type: ignore[return-value]


def title_text(model: TitleModel, hypothesis: Hypothesis) -> str:
    return "".join(model.vocab.decode(hypothesis.tokens))
