"""Figures of decoders and language models."""

from __future__ import annotations

import math
from collections.abc import Sequence

from nlptk.decode.search import Hypothesis


def non_termination_ratio(continuations: Sequence[Hypothesis]) -> float:
    """r_L: the share of continuations that did not produce ``<eos>`` within the length limit L."""
    if not continuations:
        raise ValueError("no continuations")
    return sum(not c.terminated for c in continuations) / len(continuations)


def perplexity(total_log_prob: float, tokens: int) -> float:
    """exp of the mean negative log-probability per token."""
    return math.exp(-total_log_prob / max(tokens, 1))
