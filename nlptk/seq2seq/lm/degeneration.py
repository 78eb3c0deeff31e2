"""The consistency experiment: how often does a decoder fail to end a continuation?

Prefixes are the first ``context`` tokens of sentences longer than that; each decoder continues
every prefix for at most L steps, and r_L is the share that produced no ``<eos>``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from nlptk import checks
from nlptk.decode import Decoding, Hypothesis, decode, non_termination_ratio
from nlptk.progress import NoProgress, Progress
from nlptk.seq2seq.lm.model import LanguageModel
from nlptk.seq2seq.vocab import EOS_ID

DECODERS = (
    "greedy,beam-2,beam-4,ancestral,topk-2,topk-4,nucleus-0.2,nucleus-0.4,"
    "consistent-topk-2,consistent-topk-4,consistent-nucleus-0.2,consistent-nucleus-0.4"
)


@dataclass
class DegenerationRow:
    decoder: str
    prefixes: int
    non_terminated: int
    ratio: float  # r_L
    mean_length: float  # of the terminated continuations
    seconds: float


def prefixes(sentences: Sequence[Sequence[int]], context: int, limit: int = 0) -> list[list[int]]:
    """The first ``context`` (≥ 1) tokens of every sentence longer than ``context``; the first
    ``limit`` of them (0: all)."""
    check_prefixes(context, limit)
    found = [list(s[:context]) for s in sentences if len(s) > context]
    return found[:limit] if limit else found


def check_prefixes(context: int, limit: int) -> None:
    """The options of :func:`prefixes`: ``context`` ≥ 1 tokens, ``limit`` ≥ 0 (0: all)."""
    checks.at_least("context", context, 1)
    checks.at_least("limit", limit, 0)


def check_run(batch_size: int, seed: int) -> None:
    """The options of a decoding run: ``batch_size`` ≥ 1 and a valid ``seed``."""
    checks.at_least("batch_size", batch_size, 1)
    checks.seed(seed)


@torch.no_grad()
def continue_prefixes(
    model: LanguageModel,
    contexts: Sequence[Sequence[int]],
    decoding: Decoding,
    batch_size: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[Hypothesis]:
    """One continuation of each context (batches of ``batch_size``; sampling seeded by ``seed``)."""
    check_run(batch_size, seed)
    progress = progress or NoProgress()
    generator = torch.Generator().manual_seed(seed)
    results: list[Hypothesis] = []
    for start in range(0, len(contexts), batch_size):
        chunk = contexts[start : start + batch_size]
        state, last = model.prime(chunk)
        results += decode(model, state, last, decoding, EOS_ID, generator=generator)
        progress.advance(len(chunk))
    return results


def degeneration_table(
    model: LanguageModel,
    contexts: Sequence[Sequence[int]],
    decoders: Sequence[str],
    max_len: int = 1500,
    batch_size: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[DegenerationRow]:
    """r_L of each decoder over the same ``contexts`` (the settings are checked before any work:
    the decoders here, the batch size and seed by the first :func:`continue_prefixes`)."""
    progress = progress or NoProgress()
    decodings = [Decoding.parse(name, max_len=max_len) for name in decoders]  # fail before any work
    rows = []
    for decoding in decodings:
        progress.stage(decoding.name, len(contexts))
        started = time.monotonic()
        found = continue_prefixes(model, contexts, decoding, batch_size, seed, progress)
        ended = [len(h.tokens) for h in found if h.terminated]
        rows.append(
            DegenerationRow(
                decoding.name,
                len(found),
                sum(not h.terminated for h in found),
                non_termination_ratio(found),
                sum(ended) / len(ended) if ended else float("nan"),
                time.monotonic() - started,
            )
        )
    return rows
