"""Training a couplet model: Adam on the cross-entropy of the second lines (teacher forcing),
keeping the weights whose greedy, constrained answers score the best BLEU-4 on the dev pairs."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from nlptk.batching import length_batches
from nlptk.decode import Decoding
from nlptk.errors import NlptkError
from nlptk.progress import Progress
from nlptk.seq2seq.couplet.config import CoupletConfig, CoupletTrainOptions
from nlptk.seq2seq.couplet.data import Pair, usable_pairs
from nlptk.seq2seq.couplet.evaluation import evaluate_couplets
from nlptk.seq2seq.couplet.model import CoupletModel
from nlptk.seq2seq.training import Fit, seed_everything, train
from nlptk.seq2seq.vocab import Vocabulary


def train_couplet_model(
    config: CoupletConfig,
    train_pairs: Sequence[Pair],
    dev_pairs: Sequence[Pair],
    options: CoupletTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> CoupletModel:
    """A model trained on ``train_pairs`` with the weights of its best dev BLEU-4 (greedy). Pairs
    of unequal length or longer than ``config.max_len`` are left out; the model's characters are
    those of the training pairs seen ``options.min_count`` times (``config.chars`` is replaced)."""
    pairs = usable_pairs(train_pairs, config.max_len)
    dev = usable_pairs(dev_pairs, config.max_len)[: options.dev_limit or None]
    if not pairs or not dev:
        raise NlptkError("no usable training or dev pairs (equal lengths, at most max_len characters)")
    config = replace(config, chars=Vocabulary.build([a + b for a, b in pairs], options.min_count).words)
    log(f"{len(pairs)} training pairs, {len(dev)} dev pairs, {len(config.chars)} characters; {config.design}")
    seed_everything(options.seed)
    rng = random.Random(options.seed)
    model = CoupletModel(config)
    greedy = Decoding("greedy")

    def evaluate() -> tuple[float, dict[str, float]]:
        bleu = evaluate_couplets(model, dev, greedy).scores.bleu4
        return bleu, {"bleu4": bleu}

    task = Fit(
        model,
        batches=lambda epoch: length_batches(pairs, options.batch_size, rng, lambda pair: len(pair[0])),
        loss=lambda batch: model.loss([a for a, _ in batch], [b for _, b in batch]),
        evaluate=evaluate,
    )
    return train(task, options, {"train": len(pairs), "dev": len(dev)}, progress, log)
