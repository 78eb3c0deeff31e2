"""What the four ``train`` commands share: the options of the training loop, checking the output
before any work, progress on stderr, saving the model and reporting its dev score."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from nlptk.cli.common import log_to_stderr, need_torch
from nlptk.cli.settings import Opt


def training_options(items: str, score: str) -> list[Opt]:
    """The training loop's options (:class:`~nlptk.seq2seq.options.FitOptions`) as a trainer shows
    them: ``items`` per batch (empty: no --batch-size), patience counted in evaluations of ``score``."""
    return [
        Opt("lr", "Adam learning rate."),
        *([Opt("batch_size", f"{items.capitalize()} per batch.")] if items else []),
        Opt("epochs", "At most this many epochs."),
        Opt("patience", f"Stop after this many evaluations without a better {score}."),
        Opt("max_minutes", "Stop training after this many minutes (0: no limit)."),
    ]


BF16 = Opt("bf16", "bfloat16 autocast (default: on CPUs with native bf16).")


def start_training(output: os.PathLike[str] | str, force: bool, threads: int, command: str) -> None:
    """Before any input is read: the model directory may be written, torch is there, ``threads`` is valid."""
    from nlptk.cpu import cpu_threads
    from nlptk.io import check_model_output

    check_model_output(output, force)
    need_torch(command)
    cpu_threads(threads)


def run_training(trainer: Callable[..., Any], quiet: bool, *args: Any, **kwargs: Any) -> Any:
    """``trainer(*args, progress, log, **kwargs)`` with a progress bar on a terminal and messages
    on stderr (neither with ``quiet``)."""
    from nlptk.progress import make_progress

    progress = make_progress(quiet)
    try:
        return trainer(*args, progress, log_to_stderr(quiet), **kwargs)
    finally:
        progress.close()


def finish_training(
    model: Any, output: os.PathLike[str] | str, force: bool, quiet: bool, label: str, metric: str
) -> None:
    """Save ``model`` and say its dev score (``metric`` of its training record, shown as ``label``)."""
    from nlptk.seq2seq.training import kept_metrics

    model.save(output, force)
    value = kept_metrics(model.config.training).get(metric, float("nan"))
    log_to_stderr(quiet)(f"saved {output} ({label} {value:.4f})")
