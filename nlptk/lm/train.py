"""Training a language model (Adam, gradient clipping, learning-rate annealing, early stopping on
dev perplexity) and measuring perplexity."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.decode.metrics import perplexity
from nlptk.lm.model import LanguageModel, LMConfig
from nlptk.progress import NoProgress, Progress


@dataclass
class LMTrainOptions:
    epochs: int = 40
    patience: int = 3  # stop after this many epochs without a better dev perplexity
    lr: float = 2e-3
    anneal: float = 0.5  # the learning rate is multiplied by this after an epoch that did not improve
    batch_size: int = 32  # sentences
    clip: float = 1.0
    seed: int = 0
    max_minutes: float = 0.0  # stop after this long (0: no limit)
    bf16: bool = False  # bfloat16 autocast for the forward pass (fast on CPUs with AMX)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks.training_options(
            self.epochs, self.patience, self.lr, self.batch_size, self.clip, self.seed, self.max_minutes
        )
        checks.positive_float("anneal", self.anneal)
        checks.between("anneal", self.anneal, 0, 1)


def train_language_model(
    config: LMConfig,
    train: Sequence[Sequence[int]],
    dev: Sequence[Sequence[int]],
    options: LMTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> LanguageModel:
    """Train on ``train`` (sentences of word ids), keep the weights with the best dev perplexity."""
    progress = progress or NoProgress()
    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    model = LanguageModel(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    started = time.monotonic()
    best, best_state, stale, history = float("inf"), None, 0, []
    for epoch in range(1, options.epochs + 1):
        batches = length_batches(train, options.batch_size, rng)
        progress.stage(f"epoch {epoch}", len(batches))
        model.train()
        total, tokens = 0.0, 0
        out_of_time = False
        for batch in batches:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=options.bf16):
                log_probs, mask = model.sentence_log_probs(batch)
                loss = -log_probs[mask].float().mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            total += float(loss.detach()) * int(mask.sum())
            tokens += int(mask.sum())
            progress.advance(1)
            out_of_time = bool(options.max_minutes) and (time.monotonic() - started) / 60 > options.max_minutes
            if out_of_time:
                break
        dev_ppl = evaluate_perplexity(model, dev)
        minutes = (time.monotonic() - started) / 60
        history.append({"epoch": epoch, "train_ppl": perplexity(-total, tokens), "dev_ppl": dev_ppl})
        log(f"epoch {epoch} train ppl {perplexity(-total, tokens):.1f} dev ppl {dev_ppl:.1f} ({minutes:.1f} min)")
        if dev_ppl < best:
            best, stale = dev_ppl, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            for group in optimizer.param_groups:
                group["lr"] *= options.anneal
        if out_of_time or stale >= options.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    model.config.training = {
        "minutes": round((time.monotonic() - started) / 60, 1),
        "epochs_run": len(history),
        "train_sentences": len(train),
        "dev_sentences": len(dev),
        "dev_perplexity": round(best, 2),
        "options": {k: v for k, v in vars(options).items() if k != "extra"},
        **options.extra,
        "history": history,
    }
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
