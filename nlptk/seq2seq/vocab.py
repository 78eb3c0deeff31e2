"""Token ids shared by the generators: ``<eos>`` is 0 (it also starts and pads every sequence),
``<unk>`` is 1, then the tokens (words for language models, characters for couplets and titles)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from nlptk import checks

EOS, UNK = "<eos>", "<unk>"
EOS_ID, UNK_ID = 0, 1
SPECIALS = (EOS, UNK)


class Vocabulary:
    """Token ids: :data:`SPECIALS` first (``<eos>`` = :data:`EOS_ID`, ``<unk>`` = :data:`UNK_ID`)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if tuple(tokens[:2]) != SPECIALS:
            raise ValueError("a vocabulary starts with <eos>, <unk>")
        self.words = list(tokens)
        self.ids = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_count: int = 1) -> Vocabulary:
        """The tokens seen at least ``min_count`` (≥ 1) times in ``sequences``, most frequent first."""
        checks.at_least("min_count", min_count, 1)
        counts = Counter(w for s in sequences for w in s)
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.ids.get(w, UNK_ID) for w in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.words[i] for i in ids]
