"""Decoding shared by every generator: greedy, beam, sampling with top-k / nucleus and their
consistent variants, the self-terminating output layer, and the non-termination ratio."""

from nlptk.decode.filters import keep_token, nucleus_mask, restrict, top_k_mask
from nlptk.decode.heads import SelfTerminatingHead, SoftmaxHead
from nlptk.decode.metrics import non_termination_ratio, perplexity
from nlptk.decode.search import MAX_CANDIDATES, Decoding, Hypothesis, StepModel, beam_search, decode, sample

__all__ = [
    "MAX_CANDIDATES",
    "Decoding",
    "Hypothesis",
    "SelfTerminatingHead",
    "SoftmaxHead",
    "StepModel",
    "beam_search",
    "decode",
    "keep_token",
    "non_termination_ratio",
    "nucleus_mask",
    "perplexity",
    "restrict",
    "sample",
    "top_k_mask",
]
