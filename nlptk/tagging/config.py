"""The settings of taggers and their training (no torch: the commands read their defaults here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlptk import checks
from nlptk.checks import at_least, between, fraction, one_of, positive_float
from nlptk.errors import OptionError
from nlptk.seq2seq.options import FitOptions
from nlptk.tagging.data import TASKS

BACKENDS = ("auto", "numpy", "torch")  # how a tagger runs (nlptk.tagging.backend)
DEFAULT_BACKEND = "auto"
TORCH_FROM_BYTES = 8 << 20  # "auto" runs torch, when installed, on inputs known to be at least this large
DEFAULT_STANDARD = "pku"  # the segmentation standard of a model trained without names, and the default
STANDARDS = {  # the segmentation standards we have data for, and what each is like
    "pku": "People's Daily / PKU (SIGHAN-2005), news: the default",
    "ctb": "Penn Chinese Treebank 6: 的 and aspect markers (了 着 过) are words of their own",
    "sxu": "SIGHAN-2008 Shanxi University, news",
    "udc": "Universal Dependencies Chinese: splits finer than PKU",
    "wtb": "Weibo Treebank: social media",
    "zx": "the novel 诛仙 (SIGHAN-style, fiction)",
    "weibo": "NLPCC-2016 Weibo: social media, keeps more together",
}


@dataclass(kw_only=True)
class TaggerShape:
    """The shape of a tagger to train: what a user chooses (the rest comes from the data)."""

    char_dim: int = 64
    bigram_dim: int = 32
    dim: int = 64
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 1])
    kernel: int = 3
    dropout: float = 0.1
    max_len: int = 200
    dictionary: str = ""  # "jieba" (or a word list path): flag dictionary-word positions as features
    dictionary_tags: list[str] = field(default_factory=list)  # extra flags for words with these tag prefixes
    lstm_dim: int = 0  # hidden size of an optional BiLSTM after the convolutions
    standard_dim: int = 16  # size of the standard's embedding, for a model of several standards
    standards: list[str] = field(default_factory=list)  # the segmentation standards it knows, by name

    def __post_init__(self) -> None:
        for name in ("char_dim", "dim", "kernel", "max_len"):
            at_least(name, getattr(self, name), 1)
        for name in ("bigram_dim", "lstm_dim"):
            at_least(name, getattr(self, name), 0)
        at_least("standard_dim", self.standard_dim, 1)
        if len(set(self.standards)) != len(self.standards) or not all(self.standards):
            raise OptionError("standards", f"must be distinct names, not {self.standards}")
        if self.kernel % 2 == 0:
            raise OptionError("kernel", f"must be odd (the convolutions keep the length), not {self.kernel}")
        self.dilations = checks.whole_numbers("dilations", self.dilations)
        fraction("dropout", self.dropout)


@dataclass(kw_only=True)
class TaggerConfig(TaggerShape):
    """Everything needed to rebuild a tagger, plus a record of how it was trained."""

    task: str
    tags: list[str]
    chars: list[str]
    entities: list[list[str]] = field(default_factory=list)  # [string, type] of training entities, flagged
    training: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        one_of("task", self.task, TASKS)
        super().__post_init__()


@dataclass
class TrainOptions(FitOptions):
    """:class:`FitOptions` with the tagger's defaults and settings (the model's shape is a
    :class:`TaggerShape`): the learning rate decays by ``lr_decay`` every epoch."""

    epochs: int = 20
    patience: int = 3  # evaluations without a better dev F1
    lr: float = 3e-3
    clip: float = 5.0
    lr_decay: float = 0.9
    bf16: bool | None = False  # float32, as before the one loop (bf16 autocast diverged in a seven-standard run)
    batch_chars: int = 16000
    crf_lr_multiplier: float = 100.0  # transitions need a much larger learning rate than the body
    min_char_count: int = 2
    min_bigram_count: int = 3
    pretrain_chars: list[str] = field(default_factory=list)  # raw text files for character vectors
    pretrain_min_count: int = 5  # characters this frequent in that text join the vocabulary
    threads: int = 0  # torch threads (0: every CPU)
    entity_folds: int = 0  # flag training entities; each of this many folds sees only the others' (0: off)
    standard_sampling: float = 0.5  # each standard's share of an epoch ∝ its size to this power (0: equal)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("batch_chars", "min_char_count", "min_bigram_count", "pretrain_min_count"):
            at_least(name, getattr(self, name), 1)
        positive_float("crf_lr_multiplier", self.crf_lr_multiplier)
        checks.threads(self.threads)
        at_least("entity_folds", self.entity_folds, 0)
        between("standard_sampling", self.standard_sampling, 0, 1)
        if self.entity_folds == 1:
            raise OptionError("entity_folds", "must be 0 (off) or at least 2, not 1")
