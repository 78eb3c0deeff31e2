"""The settings of couplet models, their training and their answers (no torch: the commands
read their defaults here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlptk import checks
from nlptk.errors import OptionError
from nlptk.seq2seq.options import FitOptions
from nlptk.seq2seq.vocab import SPECIALS

ANSWER_DECODER = "beam-5"  # how first lines are answered unless told otherwise


@dataclass
class CoupletConfig:
    """Everything needed to rebuild a couplet model, plus a record of how it was trained."""

    chars: list[str] = field(default_factory=lambda: list(SPECIALS))  # <eos>, <unk>, then the characters
    dim: int = 128
    dilations: list[int] = field(default_factory=lambda: [1] * 6)  # one gated convolution block each
    kernel: int = 3
    attention: list[int] = field(default_factory=lambda: [2, 5])  # self-attention after these blocks (0-based)
    heads: int = 4
    decoder: int = 256  # GRU size over the characters already chosen (0: independent positions)
    dropout: float = 0.25
    max_len: int = 64
    training: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks.width("dim", self.dim)
        self.dilations = checks.whole_numbers("dilations", self.dilations)
        checks.between("kernel", self.kernel, 1, 31)
        if self.kernel % 2 == 0:
            raise OptionError("kernel", f"must be odd (a window centred on each character), not {self.kernel}")
        self.attention = checks.whole_numbers("attention", self.attention, low=0, high=len(self.dilations) - 1)
        checks.at_least("heads", self.heads, 1)
        if self.attention and self.dim % self.heads:
            raise OptionError("dim", f"({self.dim}) must be a multiple of the {self.heads} attention heads")
        checks.width("decoder", self.decoder, low=0)
        checks.fraction("dropout", self.dropout)
        checks.at_least("max_len", self.max_len, 1)

    @property
    def design(self) -> str:
        if not self.decoder and not self.attention:
            return "reference (convolutions, softmax per position)"
        extras = ["self-attention"] * bool(self.attention) + ["GRU over the output"] * bool(self.decoder)
        return " + ".join(["convolutions", *extras])


@dataclass
class CoupletTrainOptions(FitOptions):
    """:class:`FitOptions` with the couplet trainer's defaults: an evaluation per epoch, the
    learning rate halved after an epoch that did not improve."""

    epochs: int = 30
    patience: int = 4
    anneal: float = 0.5
    bf16: bool | None = False  # float32, as the shipped model was trained
    batch_size: int = 64  # pairs, of similar length
    min_count: int = 2  # rarer characters become <unk>
    dev_limit: int = 0  # score at most this many dev pairs per evaluation (0: all)

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)
        checks.at_least("min_count", self.min_count, 1)
        checks.at_least("dev_limit", self.dev_limit, 0)
