"""How a tagger runs: on numpy alone (:class:`~nlptk.tagging.runtime.NumpyTagger`, no torch
needed) or on torch (:class:`~nlptk.tagging.model.Tagger`), from the same model directory."""

from __future__ import annotations

import os

from nlptk import checks
from nlptk.cpu import torch_installed
from nlptk.errors import NlptkError
from nlptk.tagging.config import BACKENDS, DEFAULT_BACKEND, TORCH_FROM_BYTES
from nlptk.tagging.inference import TaggerBase


def choose_backend(backend: str = DEFAULT_BACKEND, input_bytes: int | None = None) -> str:
    """``backend``, with "auto" resolved: torch for inputs of :data:`TORCH_FROM_BYTES` or more
    (where its faster matrix products repay its import), numpy for the rest and when the size is
    unknown (standard input) or torch is not installed."""
    checks.one_of("backend", backend, BACKENDS)
    if backend == "auto":
        large = input_bytes is not None and input_bytes >= TORCH_FROM_BYTES
        return "torch" if large and torch_installed() else "numpy"
    if backend == "torch" and not torch_installed():
        raise NlptkError("the torch backend needs torch: pip install 'nlptk[torch]' (or use --backend numpy)")
    return backend


def load_tagger(
    path: str | os.PathLike[str] | None = None,
    backend: str = DEFAULT_BACKEND,
    threads: int = 0,
    input_bytes: int | None = None,
) -> TaggerBase:
    """A tagger model directory (without ``path``, the shipped segmenter) on ``backend``, using
    ``threads`` threads (0: every CPU); ``input_bytes``, the size of the input where known, guides "auto"."""
    checks.threads(threads)
    if choose_backend(backend, input_bytes) == "torch":
        from nlptk.cpu import cpu_threads
        from nlptk.tagging.model import Tagger

        cpu_threads(threads)
        return Tagger.load(path)
    from nlptk.tagging.runtime import NumpyTagger

    tagger = NumpyTagger.load(path)
    tagger.threads = threads
    return tagger
