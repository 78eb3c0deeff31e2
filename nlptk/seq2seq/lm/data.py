"""Word-level sentences for language models: one sentence per line, tokens split on whitespace."""

from __future__ import annotations

from collections.abc import Sequence

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs


def read_sentences(paths: Sequence[str], encoding_errors: EncodingErrors = "strict") -> list[list[str]]:
    """The non-empty lines of ``paths`` (``-``: stdin) as token lists."""
    sentences = [line.split() for line in read_lines(resolve_inputs(paths), encoding_errors)]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise NlptkError(f"{', '.join(paths)}: no sentences (the input is empty)")
    return sentences
