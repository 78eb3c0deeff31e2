"""Training a couplet model: Adam on the cross-entropy of the second lines (teacher forcing),
keeping the weights whose greedy, constrained answers score the best BLEU-4 on the dev pairs."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.decode import Decoding
from nlptk.progress import Progress
from nlptk.seq2seq.couplet.data import Pair
from nlptk.seq2seq.couplet.evaluation import evaluate_couplets
from nlptk.seq2seq.couplet.model import CoupletConfig, CoupletModel
from nlptk.seq2seq.training import Fit, FitOptions, seed_everything, train


@dataclass
class CoupletTrainOptions(FitOptions):
    """:class:`FitOptions` with the couplet trainer's defaults: an evaluation per epoch, the
    learning rate halved after an epoch that did not improve."""

    epochs: int = 30
    patience: int = 4
    anneal: float = 0.5
    batch_size: int = 64  # pairs, of similar length

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)


def train_couplet_model(
    config: CoupletConfig,
    train_pairs: Sequence[Pair],
    dev: Sequence[Pair],
    options: CoupletTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> CoupletModel:
    """A model trained on ``train_pairs``, with the weights of its best dev BLEU-4 (greedy)."""
    seed_everything(options.seed)
    rng = random.Random(options.seed)
    model = CoupletModel(config)
    greedy = Decoding("greedy")

    def evaluate() -> tuple[float, dict[str, float]]:
        bleu = evaluate_couplets(model, dev, greedy).scores.bleu4
        return bleu, {"bleu4": bleu}

    task = Fit(
        model,
        batches=lambda epoch: length_batches(train_pairs, options.batch_size, rng, lambda pair: len(pair[0])),
        loss=lambda batch: model.loss([a for a, _ in batch], [b for _, b in batch]),
        evaluate=evaluate,
    )
    record = train(task, options, {"train": len(train_pairs), "dev": len(dev)}, progress, log)
    model.config.training = record.to_dict()
    return model
