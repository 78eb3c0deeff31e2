"""Training a couplet model: Adam on the cross-entropy of the second lines (teacher forcing),
keeping the weights whose greedy, constrained answers score the best BLEU-4 on the dev pairs."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.couplet.data import Pair
from nlptk.couplet.evaluation import evaluate_couplets
from nlptk.couplet.model import CoupletConfig, CoupletModel
from nlptk.decode import Decoding
from nlptk.progress import NoProgress, Progress


@dataclass
class CoupletTrainOptions:
    epochs: int = 30
    patience: int = 4  # stop after this many epochs without a better dev BLEU
    lr: float = 1e-3
    anneal: float = 0.5  # the learning rate is multiplied by this after an epoch that did not improve
    batch_size: int = 64  # pairs, of similar length
    clip: float = 1.0
    seed: int = 0
    max_minutes: float = 0.0  # stop after this long (0: no limit)

    def __post_init__(self) -> None:
        checks.training_options(
            self.epochs, self.patience, self.lr, self.batch_size, self.clip, self.seed, self.max_minutes
        )
        checks.positive_float("anneal", self.anneal)
        checks.between("anneal", self.anneal, 0, 1)


def train_couplet_model(
    config: CoupletConfig,
    train: Sequence[Pair],
    dev: Sequence[Pair],
    options: CoupletTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> CoupletModel:
    progress = progress or NoProgress()
    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    model = CoupletModel(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    started = time.monotonic()
    best, best_state, stale, history = -1.0, None, 0, []
    greedy = Decoding("greedy")
    for epoch in range(1, options.epochs + 1):
        batches = length_batches(train, options.batch_size, rng, lambda pair: len(pair[0]))
        progress.stage(f"epoch {epoch}", len(batches))
        model.train()
        total, done = 0.0, 0
        out_of_time = False
        for batch in batches:
            loss = model.loss([a for a, _ in batch], [b for _, b in batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            total += float(loss.detach())
            done += 1
            progress.advance(1)
            out_of_time = bool(options.max_minutes) and (time.monotonic() - started) / 60 > options.max_minutes
            if out_of_time:
                break
        model.eval()
        bleu = evaluate_couplets(model, dev, greedy)["bleu4"]
        minutes = (time.monotonic() - started) / 60
        history.append(
            {"epoch": epoch, "batches": done, "train_loss": round(total / done, 4), "dev_bleu4": round(bleu, 4)}
        )
        log(f"epoch {epoch} train loss {total / done:.3f} dev BLEU-4 {bleu:.4f} ({minutes:.1f} min, {done} batches)")
        if bleu > best:
            best, stale = bleu, 0
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
        "train_pairs": len(train),
        "dev_pairs": len(dev),
        "dev_bleu4_greedy": round(best, 4),
        "options": vars(options),
        "history": history,
    }
    return model
