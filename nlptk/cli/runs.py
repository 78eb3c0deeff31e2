"""What families of commands share (``with_settings(..., run=...)``): the options and steps of a
training run (checking the output before any work, progress on stderr, saving the model and
reporting its dev score), the options of the training loop, and those of a run of a model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlptk.cli import options as opt
from nlptk.cli.common import log_to_stderr, need_torch
from nlptk.cli.settings import Opt, Settings


def training_options(items: str, score: str) -> list[Opt]:
    """The training loop's options (:class:`~nlptk.seq2seq.options.FitOptions`) as a trainer shows
    them: ``items`` per batch, patience counted in evaluations of ``score``."""
    return [
        Opt("lr", "Adam learning rate."),
        Opt("batch_size", f"{items.capitalize()} per batch."),
        Opt("epochs", "At most this many epochs."),
        Opt("patience", f"Stop after this many evaluations without a better {score}."),
        Opt("max_minutes", "Stop training after this many minutes (0: no limit)."),
    ]


BF16 = Opt("bf16", "bfloat16 autocast (default: on CPUs with native bf16).")


@dataclass(frozen=True, kw_only=True)
class TorchRun:
    """The options every command that trains or runs a torch model has."""

    seed: opt.Seed = 0
    threads: opt.Threads = 0
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict

    @property
    def encoding(self) -> str:
        return self.encoding_errors.value

    def start(self, command: str) -> None:
        """Before any input is read or model loaded: torch is there, the seed and threads are valid."""
        from nlptk import checks
        from nlptk.cpu import cpu_threads

        need_torch(command)
        cpu_threads(self.threads)
        checks.seed(self.seed)


@dataclass(frozen=True, kw_only=True)
class TrainingRun(TorchRun):
    """The options of every train command (``with_settings(..., run=TrainingRun)``), and its steps."""

    output: opt.ModelOutput
    force: opt.Force = False
    quiet: opt.Quiet = False

    def start(self, command: str) -> None:
        """Before any input is read: the model directory may be written (and as :class:`TorchRun`)."""
        from nlptk.io import check_model_output

        check_model_output(Path(self.output), self.force)
        super().start(command)

    def settings(self, settings: Settings, shape: type, options: type, **record: Any) -> tuple[Any, Any]:
        """The model's settings and the training's (seeded, ``record`` kept in its record): built,
        so checked, before any input is read."""
        return settings.build(shape), settings.build(options, seed=self.seed, extra=record)

    def train(self, trainer: Callable[..., Any], *args: Any, score: tuple[str, str], **kwargs: Any) -> None:
        """``trainer(*args, progress, log, **kwargs)`` with a progress bar on a terminal and
        messages on stderr (neither with ``quiet``); save the model and say its dev score
        (``score``: how to call it, and its name in the training record)."""
        from nlptk.progress import make_progress
        from nlptk.seq2seq.training import kept_metrics

        progress = make_progress(self.quiet)
        try:
            model = trainer(*args, progress, log_to_stderr(self.quiet), **kwargs)
        finally:
            progress.close()
        model.save(self.output, self.force)
        label, metric = score
        value = kept_metrics(model.config.training).get(metric, float("nan"))
        log_to_stderr(self.quiet)(f"saved {self.output} ({label} {value:.4f})")


@dataclass(frozen=True, kw_only=True)
class ModelRun(TorchRun):
    """The options of every command that runs a generator's model (couplet, title)."""

    model: opt.Model = None
    output: opt.Output = None
