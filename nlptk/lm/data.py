"""Word-level sentences for language models: one sentence per line, tokens split on whitespace."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from nlptk import checks
from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs

EOS, UNK = "<eos>", "<unk>"


def read_sentences(paths: Sequence[str], encoding_errors: EncodingErrors = "strict") -> list[list[str]]:
    """The non-empty lines of ``paths`` (``-``: stdin) as token lists."""
    sentences = [line.split() for line in read_lines(resolve_inputs(paths), encoding_errors)]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise NlptkError(f"{', '.join(paths)}: no sentences (the input is empty)")
    return sentences


class Vocabulary:
    """Word ids: ``<eos>`` is 0 (it also starts every sentence), ``<unk>`` 1, then the words."""

    def __init__(self, words: Sequence[str]) -> None:
        if list(words[:2]) != [EOS, UNK]:
            raise ValueError("a vocabulary starts with <eos>, <unk>")
        self.words = list(words)
        self.ids = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> Vocabulary:
        """The words seen at least ``min_count`` (≥ 1) times, most frequent first."""
        checks.at_least("min_count", min_count, 1)
        counts = Counter(w for s in sentences for w in s)
        counts.pop(EOS, None)
        counts.pop(UNK, None)
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([EOS, UNK, *kept])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, sentence: Sequence[str]) -> list[int]:
        return [self.ids.get(w, 1) for w in sentence]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.words[i] for i in ids]
