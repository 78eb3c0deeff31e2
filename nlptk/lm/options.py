"""Range checks shared by the generators' configs and training options (language models,
couplets, titles); each raises an :class:`~nlptk.errors.OptionError` naming the parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence

from nlptk import checks
from nlptk.errors import OptionError

MAX_WIDTH = 8192  # embedding and layer sizes: larger ones would not fit a CPU's memory or time
MAX_DILATION = 1024


def width(name: str, value: int, low: int = 1) -> None:
    """A layer size: ``low`` ≤ ``value`` ≤ :data:`MAX_WIDTH`."""
    checks.between(name, value, low, MAX_WIDTH)


def check_training(
    epochs: int, patience: int, lr: float, batch_size: int, clip: float, seed: int, max_minutes: float
) -> None:
    """The range checks every trainer's options share (the generators' trainers use them too)."""
    checks.at_least("epochs", epochs, 1)
    checks.at_least("patience", patience, 1)
    checks.positive_float("lr", lr)
    checks.at_least("batch_size", batch_size, 1)
    checks.positive_float("clip", clip)
    checks.seed(seed)
    checks.at_least("max_minutes", max_minutes, 0)


def whole_numbers(name: str, values: Sequence[float], low: int = 1, high: int = MAX_DILATION) -> list[int]:
    """``values`` as whole numbers, each from ``low`` to ``high`` (a block list such as dilations)."""
    if not values and low:
        raise OptionError(name, "needs at least one number")
    for value in values:
        if not math.isfinite(value) or value != int(value):
            raise OptionError(name, f"takes whole numbers, not {value}")
        checks.between(name, int(value), low, high)
    return [int(value) for value in values]
