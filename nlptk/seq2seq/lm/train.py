"""Training a language model (Adam, gradient clipping, learning-rate annealing, early stopping on
dev perplexity) and measuring perplexity."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

import torch

from nlptk.batching import length_batches
from nlptk.decode.metrics import perplexity
from nlptk.progress import Progress
from nlptk.seq2seq.lm.config import LMConfig, LMTrainOptions
from nlptk.seq2seq.lm.model import LanguageModel
from nlptk.seq2seq.training import Fit, seed_everything, train
from nlptk.seq2seq.vocab import Vocabulary


def train_language_model(
    config: LMConfig,
    train_sentences: Sequence[Sequence[str]],
    dev_sentences: Sequence[Sequence[str]],
    options: LMTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> LanguageModel:
    """A model trained on ``train_sentences`` (token lists) with the weights of its best dev
    perplexity; its words are those seen ``options.min_count`` times (``config.vocab`` is replaced)."""
    vocab = Vocabulary.build(train_sentences, options.min_count)
    config = replace(config, vocab=vocab.words)
    train_ids = [vocab.encode(s) for s in train_sentences]
    dev = [vocab.encode(s) for s in dev_sentences]
    seed_everything(options.seed)
    rng = random.Random(options.seed)
    model = LanguageModel(config)

    def loss(batch: Sequence[Sequence[int]]) -> torch.Tensor:
        log_probs, mask = model.sentence_log_probs(batch)
        return -log_probs[mask].float().mean()

    def evaluate() -> tuple[float, dict[str, float]]:
        dev_ppl = evaluate_perplexity(model, dev)
        return -dev_ppl, {"perplexity": dev_ppl}

    task = Fit(model, lambda epoch: length_batches(train_ids, options.batch_size, rng), loss, evaluate)
    return train(task, options, {"train": len(train_ids), "dev": len(dev)}, progress, log)


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
