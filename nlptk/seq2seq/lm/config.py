"""The settings of word-level language models and their training (no torch: the commands read
their defaults here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlptk import checks
from nlptk.seq2seq.options import FitOptions
from nlptk.seq2seq.vocab import SPECIALS


@dataclass
class LMConfig:
    vocab: list[str] = field(default_factory=lambda: list(SPECIALS))  # <eos>, <unk>, then the words
    cell: str = "lstm"  # lstm | rnn (tanh)
    layers: int = 2
    hidden: int = 512
    dropout: float = 0.3
    head: str = "softmax"  # softmax | st (self-terminating)
    epsilon: float = 1e-3  # the self-terminating head's ε
    training: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks.one_of("cell", self.cell, ("lstm", "rnn"))
        checks.between("layers", self.layers, 1, 64)
        checks.width("hidden", self.hidden)
        checks.fraction("dropout", self.dropout)
        checks.one_of("head", self.head, ("softmax", "st"))
        checks.positive_float("epsilon", self.epsilon)
        checks.fraction("epsilon", self.epsilon)


@dataclass
class LMTrainOptions(FitOptions):
    """:class:`FitOptions` with the language-model trainer's defaults: an evaluation per epoch, the
    learning rate halved after an epoch that did not improve."""

    epochs: int = 40
    patience: int = 3
    lr: float = 2e-3
    anneal: float = 0.5
    batch_size: int = 64  # sentences
    min_count: int = 1  # rarer words become <unk>

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)
        checks.at_least("min_count", self.min_count, 1)
