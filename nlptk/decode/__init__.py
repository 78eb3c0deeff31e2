"""Decoding shared by every generator: greedy, beam, sampling with top-k / nucleus and their
consistent variants, the self-terminating output layer, and the non-termination ratio.

Names are imported on first use, so that :mod:`nlptk.decode.decoding` (the settings, which the
commands read) needs no torch.
"""

from __future__ import annotations

from nlptk.lazy import lazy_getattr

__getattr__, __all__ = lazy_getattr(
    __name__,
    {
        "nlptk.decode.decoding": ["Decoding"],
        "nlptk.decode.search": ["MAX_CANDIDATES", "Hypothesis", "StepModel", "beam_search", "decode", "sample"],
        "nlptk.decode.filters": ["keep_token", "nucleus_mask", "restrict", "top_k_mask"],
        "nlptk.decode.heads": ["SelfTerminatingHead", "SoftmaxHead"],
        "nlptk.decode.metrics": ["non_termination_ratio", "perplexity"],
    },
)
