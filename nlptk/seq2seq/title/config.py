"""The settings of title models, their training and their titles (no torch: the commands read
their defaults here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlptk import checks
from nlptk.errors import OptionError
from nlptk.seq2seq.options import FitOptions
from nlptk.seq2seq.vocab import SPECIALS

TITLE_DECODER = "beam-3"  # how articles are titled unless told otherwise
TITLE_MAX_LEN = 64  # characters of a generated title at most, unless told otherwise


@dataclass
class TitleConfig:
    """Everything needed to rebuild a title model, plus a record of how it was trained."""

    chars: list[str] = field(default_factory=lambda: list(SPECIALS))  # <eos>, <unk>, then the characters
    dim: int = 128  # embedding size
    encoder: str = "conv"  # lstm (2-layer BiLSTM) | conv (gated dilated convolutions)
    encoder_size: int = 128  # BiLSTM: both directions together; conv: the width
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 1, 2, 4, 8])  # conv encoder only
    decoder_size: int = 256
    hidden: int = 256  # the Dense(relu) before the output
    copy_prior: bool = True
    copy_attention: bool = True  # mix in a copy distribution: the attention weights over the article's characters
    dropout: float = 0.2
    max_input: int = 400  # characters of the article read
    max_title: int = 64  # characters generated at most
    training: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks.width("dim", self.dim)
        checks.one_of("encoder", self.encoder, ("lstm", "conv"))
        checks.width("encoder_size", self.encoder_size, low=2 if self.encoder == "lstm" else 1)
        if self.encoder == "lstm" and self.encoder_size % 2:
            raise OptionError("encoder_size", f"({self.encoder_size}) must be even for the BiLSTM (both directions)")
        self.dilations = checks.whole_numbers("dilations", self.dilations)  # used by the conv encoder only
        checks.width("decoder_size", self.decoder_size)
        checks.width("hidden", self.hidden)
        checks.fraction("dropout", self.dropout)
        checks.at_least("max_input", self.max_input, 1)
        checks.at_least("max_title", self.max_title, 1)


@dataclass
class TitleTrainOptions(FitOptions):
    """:class:`FitOptions` with the title trainer's defaults: an evaluation every 300 batches."""

    epochs: int = 10
    patience: int = 6
    eval_every: int = 300
    batch_size: int = 64  # articles
    min_count: int = 5  # rarer characters become <unk>
    dev_limit: int = 500  # score at most this many dev articles (0: all)

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)
        checks.at_least("min_count", self.min_count, 1)
        checks.at_least("dev_limit", self.dev_limit, 0)
        checks.at_least("eval_every", self.eval_every, 1)
