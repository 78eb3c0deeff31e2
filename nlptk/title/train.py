"""Training a title model: Adam on the masked cross-entropy of the titles (teacher forcing),
keeping the weights whose greedy titles score the best ROUGE-L on dev articles."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from nlptk import checks
from nlptk.batching import length_batches
from nlptk.decode import Decoding
from nlptk.progress import NoProgress, Progress
from nlptk.title.data import Article
from nlptk.title.evaluation import score_titles
from nlptk.title.generate import generate_titles, title_text
from nlptk.title.model import TitleConfig, TitleModel


@dataclass
class TitleTrainOptions:
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 64
    clip: float = 1.0
    seed: int = 0
    eval_every: int = 300  # batches between dev evaluations
    patience: int = 6  # stop after this many evaluations without a better dev ROUGE-L
    max_minutes: float = 0.0  # stop after this long (0: no limit)
    bf16: bool = False  # bfloat16 autocast for the forward pass (fast on CPUs with AMX)

    def __post_init__(self) -> None:
        checks.training_options(
            self.epochs, self.patience, self.lr, self.batch_size, self.clip, self.seed, self.max_minutes
        )
        checks.at_least("eval_every", self.eval_every, 1)


def dev_rouge_l(model: TitleModel, dev: Sequence[Article]) -> float:
    hypotheses = generate_titles(model, [a.text for a in dev], Decoding("greedy", max_len=model.config.max_title))
    return score_titles(dev, [title_text(model, h) for h in hypotheses])["rouge-l"]


def train_title_model(
    config: TitleConfig,
    train: Sequence[Article],
    dev: Sequence[Article],
    options: TitleTrainOptions,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> TitleModel:
    progress = progress or NoProgress()
    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    model = TitleModel(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr)
    started = time.monotonic()
    best, best_state, stale, history, seen = -1.0, None, 0, [], 0
    limit = config.max_input
    stop = False
    for epoch in range(1, options.epochs + 1):
        batches = length_batches(train, options.batch_size, rng, lambda a: min(len(a.text), limit))
        progress.stage(f"epoch {epoch}", len(batches))
        total = 0.0
        for number, batch in enumerate(batches, 1):
            model.train()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=options.bf16):
                loss = model.loss([a.text for a in batch], [a.title for a in batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            total += float(loss.detach())
            seen += len(batch)
            progress.advance(1)
            minutes = (time.monotonic() - started) / 60
            out_of_time = bool(options.max_minutes) and minutes > options.max_minutes
            if number % options.eval_every and number != len(batches) and not out_of_time:
                continue
            model.eval()
            rouge = dev_rouge_l(model, dev)
            history.append(
                {
                    "epoch": epoch,
                    "articles_seen": seen,
                    "train_loss": round(total / number, 4),
                    "dev_rouge_l": round(rouge, 4),
                    "minutes": round(minutes, 1),
                }
            )
            log(
                f"epoch {epoch} batch {number}/{len(batches)} train loss {total / number:.3f} "
                f"dev ROUGE-L {rouge:.4f} ({minutes:.1f} min)"
            )
            if rouge > best:
                best, stale = rouge, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
            stop = out_of_time or stale >= options.patience
            if stop:
                break
        if stop:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    model.config.training = {
        "minutes": round((time.monotonic() - started) / 60, 1),
        "articles_seen": seen,
        "train_articles": len(train),
        "dev_articles": len(dev),
        "dev_rouge_l_greedy": round(best, 4),
        "options": vars(options),
        "history": history,
    }
    return model
