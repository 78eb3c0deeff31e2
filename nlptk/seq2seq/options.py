"""The settings of the training loop (:func:`nlptk.seq2seq.training.fit`), without torch: the
commands read their defaults from here and from each trainer's options, which extend it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nlptk import checks


@dataclass
class FitOptions:
    """The settings of :func:`fit`; each trainer's options extend it with its own defaults."""

    epochs: int = 20
    patience: int = 3  # evaluations without a better dev score before stopping
    lr: float = 1e-3
    clip: float = 1.0  # the gradient's norm is clipped to this
    seed: int = 0
    max_minutes: float = 0.0  # stop after this long (0: no limit)
    anneal: float = 1.0  # the learning rate is multiplied by this after an evaluation that did not improve
    lr_decay: float = 1.0  # and by this after every epoch
    evaluations_per_epoch: int = 1  # evenly spaced over the epoch's batches
    eval_every: int = 0  # or an evaluation every this many batches (and at the epoch's end)
    bf16: bool | None = None  # bfloat16 autocast for the forward pass (None: where the CPU has native bf16)
    average: bool = False  # also try the average of the evaluated weights; keep it if it scores better
    extra: dict = field(default_factory=dict)  # recorded with the training (data files, …)

    def __post_init__(self) -> None:
        checks.at_least("epochs", self.epochs, 1)
        checks.at_least("patience", self.patience, 1)
        checks.positive_float("lr", self.lr)
        checks.positive_float("clip", self.clip)
        checks.seed(self.seed)
        checks.at_least("max_minutes", self.max_minutes, 0)
        for name in ("anneal", "lr_decay"):
            checks.positive_float(name, getattr(self, name))
            checks.between(name, getattr(self, name), 0, 1)
        checks.at_least("evaluations", self.evaluations_per_epoch, 1)  # the option --evaluations
        checks.at_least("eval_every", self.eval_every, 0)

    def recorded(self) -> dict:
        """The options as the training record keeps them (without ``extra``)."""
        return {k: v for k, v in asdict(self).items() if k != "extra"}
