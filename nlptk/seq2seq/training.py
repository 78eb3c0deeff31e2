"""The one training loop. Every trainer (tagger, language model, couplet, title) is a call of
:func:`train`, which runs :func:`fit` and keeps its record.

:func:`fit` is a generator, as spaCy's ``train_while_improving``: Adam with gradient clipping
over the batches of each epoch, a dev evaluation at fixed points, and it yields an
:class:`Evaluation` at each. It stops after ``epochs``, after ``patience`` evaluations without a
better dev score, or past ``max_minutes``; the learning rate is multiplied by ``lr_decay``
after every epoch and by ``anneal`` after an evaluation that did not improve. When it is
exhausted, the model holds the weights of the best evaluation (or their average over every
evaluation, with ``average``, when that scores better) and is in eval mode.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Generic, TypeVar

import numpy as np
import torch

from nlptk import checks
from nlptk.cpu import bf16_is_fast
from nlptk.progress import NoProgress, Progress
from nlptk.seq2seq.options import FitOptions

Batch = TypeVar("Batch")


@dataclass
class Evaluation:
    """One dev evaluation during :func:`fit`."""

    epoch: int
    step: int  # batches of the epoch done
    batches: int  # batches in the epoch
    train_loss: float  # mean over the epoch's batches so far
    score: float  # the dev score, higher is better
    metrics: dict[str, float]  # the dev metrics the score came from
    minutes: float
    improved: bool  # the best score so far: these weights are kept (unless a later one is better)
    averaged: int = 0  # for the last evaluation of ``average``: how many evaluated weights it averages

    def describe(self) -> str:
        shown = " ".join(f"{k} {v:.4f}" for k, v in self.metrics.items() if math.isfinite(v))
        if self.averaged:
            return f"average of {self.averaged} evaluated weights: dev {shown}"
        return (
            f"epoch {self.epoch} step {self.step}/{self.batches} train loss {self.train_loss:.3f} "
            f"dev {shown} ({self.minutes:.1f} min)"
        )


@dataclass
class TrainingRecord:
    """What a trained model's config keeps of its training."""

    minutes: float
    epochs_run: int
    best: Evaluation | None  # the evaluation of the kept weights
    evaluations: list[Evaluation]
    options: dict
    data: dict[str, int]  # sizes of the training and dev data
    extra: dict = field(default_factory=dict)

    @property
    def best_metrics(self) -> dict[str, float]:
        """The dev metrics of the kept weights."""
        return dict(self.best.metrics) if self.best is not None else {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "epochs_run": self.epochs_run,
            "best": asdict(self.best) if self.best is not None else None,
            "options": self.options,
            "data": self.data,
            **self.extra,
            "evaluations": [asdict(e) for e in self.evaluations],
        }


def kept_metrics(training: Mapping[str, Any]) -> dict[str, float]:
    """The dev metrics of a trained model's kept weights, from the record in its config
    (:meth:`TrainingRecord.to_dict`); empty when it has none."""
    best = training.get("best") or {}
    return dict(best.get("metrics", {}))


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators (before a model is built)."""
    checks.seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class Fit(Generic[Batch]):
    """What :func:`fit` trains: the model, its batches per epoch, the loss of a batch and the dev
    evaluation ``() -> (score, metrics)`` (higher scores are better)."""

    model: torch.nn.Module
    batches: Callable[[int], Sequence[Batch]]  # epoch (1-based) -> its batches, in order
    loss: Callable[[Batch], torch.Tensor]
    evaluate: Callable[[], tuple[float, Mapping[str, float]]]
    param_groups: list[dict] | None = None  # Adam groups, "lr" as a multiple of options.lr (default: one)


def fit(task: Fit[Batch], options: FitOptions, progress: Progress | None = None) -> Iterator[Evaluation]:
    """Train ``task.model`` (see the module); yield each :class:`Evaluation`."""
    progress = progress or NoProgress()
    model = task.model
    groups = task.param_groups or [{"params": list(model.parameters())}]
    optimizer = torch.optim.Adam([{**g, "lr": options.lr * g.get("lr", 1.0)} for g in groups])
    started = time.monotonic()
    best_score, best_state, stale = -math.inf, None, 0
    bf16 = bf16_is_fast() if options.bf16 is None else options.bf16
    average = _WeightAverage() if options.average else None
    last: Evaluation | None = None
    for epoch in range(1, options.epochs + 1):
        batches = task.batches(epoch)
        checkpoints = _checkpoints(len(batches), options)
        progress.stage(f"epoch {epoch}", len(batches))
        model.train()
        total, stop = 0.0, False
        for step, batch in enumerate(batches, 1):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = task.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            total += float(loss.detach())
            progress.advance(1)
            minutes = (time.monotonic() - started) / 60
            out_of_time = bool(options.max_minutes) and minutes > options.max_minutes
            if step not in checkpoints and not out_of_time:
                continue
            model.eval()  # no dropout while scoring
            with torch.no_grad():
                score, metrics = task.evaluate()
            model.train()
            improved = score > best_score
            if improved:
                best_score, stale = score, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
                for group in optimizer.param_groups:
                    group["lr"] *= options.anneal
            if average is not None:
                average.add(model)
            last = Evaluation(
                epoch, step, len(batches), total / step, score, dict(metrics), round(minutes, 2), improved
            )
            yield last
            stop = out_of_time or stale >= options.patience
            if stop:
                break
        if stop:
            break
        for group in optimizer.param_groups:
            group["lr"] *= options.lr_decay
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    if average is not None and average.count > 1 and last is not None:
        single = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(average.state(single))
        with torch.no_grad():
            score, metrics = task.evaluate()
        improved = score > best_score
        if not improved:
            model.load_state_dict(single)
        yield replace(last, score=score, metrics=dict(metrics), improved=improved, averaged=average.count)


def train(
    task: Fit[Batch],
    options: FitOptions,
    data: dict[str, int],
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
    earlier: Mapping[str, Any] | None = None,
) -> Any:
    """Run :func:`fit`, logging each evaluation; the trained model, with the record of what it did
    in its ``config.training`` (after ``earlier``: the record of a model it continued from)."""
    started = time.monotonic()
    evaluations: list[Evaluation] = []
    best = None
    for evaluation in fit(task, options, progress):
        log(evaluation.describe())
        if evaluation.improved:
            best = evaluation
        evaluations.append(evaluation)
    record = TrainingRecord(
        minutes=round((time.monotonic() - started) / 60, 1),
        epochs_run=len({e.epoch for e in evaluations}),
        best=best,
        evaluations=evaluations,
        options=options.recorded(),
        data=data,
        extra=dict(options.extra),
    )
    prior = {"continued_from": dict(earlier)} if earlier is not None else {}
    task.model.config.training = {**prior, **record.to_dict()}
    return task.model


def _checkpoints(batches: int, options: FitOptions) -> set[int]:
    """The steps of an epoch of ``batches`` after which the model is evaluated."""
    if options.eval_every:
        return set(range(options.eval_every, batches + 1, options.eval_every)) | {batches}
    count = options.evaluations_per_epoch
    return {round(batches * (i + 1) / count) for i in range(count)}


class _WeightAverage:
    """The running mean of a model's floating-point weights over the times :meth:`add` saw them."""

    def __init__(self) -> None:
        self.count = 0
        self.sums: dict[str, torch.Tensor] = {}

    def add(self, model: torch.nn.Module) -> None:
        self.count += 1
        for name, value in model.state_dict().items():
            if value.is_floating_point():
                value = value.detach().double()
                self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()

    def state(self, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``like`` with every averaged tensor replaced by its mean (in its own dtype)."""
        return {
            name: (self.sums[name] / self.count).to(value.dtype) if name in self.sums else value
            for name, value in like.items()
        }
