"""Training a language model (Adam, gradient clipping, learning-rate annealing, early stopping on
dev perplexity) and measuring perplexity."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.decode.metrics import perplexity
from nlptk.progress import Progress
from nlptk.seq2seq.lm.model import LanguageModel, LMConfig
from nlptk.seq2seq.training import Fit, FitOptions, seed_everything, train


@dataclass
class LMTrainOptions(FitOptions):
    """:class:`FitOptions` with the language-model trainer's defaults: an evaluation per epoch, the
    learning rate halved after an epoch that did not improve."""

    epochs: int = 40
    patience: int = 3
    lr: float = 2e-3
    anneal: float = 0.5
    batch_size: int = 32  # sentences

    def __post_init__(self) -> None:
        super().__post_init__()
        checks.at_least("batch_size", self.batch_size, 1)


def train_language_model(
    config: LMConfig,
    train_sentences: Sequence[Sequence[int]],
    dev: Sequence[Sequence[int]],
    options: LMTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> LanguageModel:
    """Train on ``train_sentences`` (of word ids), keep the weights with the best dev perplexity."""
    seed_everything(options.seed)
    rng = random.Random(options.seed)
    model = LanguageModel(config)

    def loss(batch: Sequence[Sequence[int]]) -> torch.Tensor:
        log_probs, mask = model.sentence_log_probs(batch)
        return -log_probs[mask].float().mean()

    def evaluate() -> tuple[float, dict[str, float]]:
        dev_ppl = evaluate_perplexity(model, dev)
        return -dev_ppl, {"perplexity": dev_ppl}

    task = Fit(model, lambda epoch: length_batches(train_sentences, options.batch_size, rng), loss, evaluate)
    record = train(task, options, {"train": len(train_sentences), "dev": len(dev)}, progress, log)
    model.config.training = record.to_dict()
    return model


@torch.no_grad()
def evaluate_perplexity(model: LanguageModel, sentences: Sequence[Sequence[int]], batch_size: int = 128) -> float:
    """Perplexity per token, each sentence's final ``<eos>`` included."""
    was_training = model.training
    model.eval()
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    total, tokens = 0.0, 0
    for start in range(0, len(order), batch_size):
        log_probs, mask = model.sentence_log_probs([sentences[i] for i in order[start : start + batch_size]])
        total += float(log_probs[mask].double().sum())
        tokens += int(mask.sum())
    model.train(was_training)
    return perplexity(total, tokens)
