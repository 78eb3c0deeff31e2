"""Decoding shared by every generator: greedy, beam, sampling with top-k / nucleus and their
consistent variants, the self-terminating output layer, and the non-termination ratio.

Names are imported on first use, so that :mod:`nlptk.decode.decoding` (the settings, which the
commands read) needs no torch.
"""

from __future__ import annotations

from nlptk.lazy import lazy_getattr

_API = {
    "Decoding": "nlptk.decode.decoding",
    "MAX_CANDIDATES": "nlptk.decode.search",
    "Hypothesis": "nlptk.decode.search",
    "StepModel": "nlptk.decode.search",
    "beam_search": "nlptk.decode.search",
    "decode": "nlptk.decode.search",
    "sample": "nlptk.decode.search",
    "keep_token": "nlptk.decode.filters",
    "nucleus_mask": "nlptk.decode.filters",
    "restrict": "nlptk.decode.filters",
    "top_k_mask": "nlptk.decode.filters",
    "SelfTerminatingHead": "nlptk.decode.heads",
    "SoftmaxHead": "nlptk.decode.heads",
    "non_termination_ratio": "nlptk.decode.metrics",
    "perplexity": "nlptk.decode.metrics",
}

__all__ = sorted(_API)


__getattr__ = lazy_getattr(__name__, _API)
