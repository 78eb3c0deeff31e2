"""Range checks for parameters: each raises an :class:`OptionError` that names the parameter.

Config objects call these in ``__post_init__``, so a bad value is refused the same way from
Python and from the command line (where it is a usage error, exit 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nlptk.errors import OptionError

MAX_SEED = 2**32 - 1
MAX_THREADS = 1024
MAX_WIDTH = 8192  # embedding and layer sizes: larger ones would not fit a CPU's memory or time
MAX_DILATION = 1024


def at_least(name: str, value: float, low: float) -> None:
    """``value`` ≥ ``low``."""
    if not value >= low:  # also refuses nan
        raise OptionError(name, f"must be at least {low}, not {value}")


def between(name: str, value: float, low: float, high: float) -> None:
    """``low`` ≤ ``value`` ≤ ``high``."""
    if not low <= value <= high:
        raise OptionError(name, f"must be between {low} and {high}, not {value}")


def positive_float(name: str, value: float) -> None:
    """A finite ``value`` > 0."""
    if not (value > 0 and math.isfinite(value)):
        raise OptionError(name, f"must be a positive number, not {value}")


def fraction(name: str, value: float, *, closed: bool = False) -> None:
    """0 ≤ ``value`` < 1 (≤ 1 when ``closed``)."""
    if not (0 <= value <= 1 if closed else 0 <= value < 1):
        raise OptionError(name, f"must be between 0 and 1{'' if closed else ' (excluded)'}, not {value}")


def one_of(name: str, value: str, choices: tuple[str, ...] | list[str]) -> None:
    """``value`` is one of ``choices``."""
    if value not in choices:
        raise OptionError(name, f"must be one of {', '.join(choices)}, not {value!r}")


def seed(value: int, name: str = "seed") -> None:
    """A seed every random generator accepts: 0 ≤ ``value`` < 2³²."""
    between(name, value, 0, MAX_SEED)


def threads(value: int, name: str = "threads") -> None:
    """A thread count: 0 (every CPU this process may use) up to MAX_THREADS."""
    between(name, value, 0, MAX_THREADS)


def length_range(min_len: int, max_len: int, *, min_name: str = "min_len", max_name: str = "max_len") -> None:
    """A word-length window: ``min_len`` ≥ 1, ``max_len`` 0 (no limit) or ≥ ``min_len``."""
    at_least(min_name, min_len, 1)
    at_least(max_name, max_len, 0)
    if max_len and max_len < min_len:
        raise OptionError(max_name, f"({max_len}) must not be below {min_name.replace('_', '-')} ({min_len})")


def width(name: str, value: int, low: int = 1) -> None:
    """A layer size: ``low`` ≤ ``value`` ≤ :data:`MAX_WIDTH`."""
    between(name, value, low, MAX_WIDTH)


def whole_numbers(name: str, values: Sequence[float], low: int = 1, high: int = MAX_DILATION) -> list[int]:
    """``values`` as whole numbers, each from ``low`` to ``high`` (a block list such as dilations)."""
    if not values and low:
        raise OptionError(name, "needs at least one number")
    for value in values:
        if not math.isfinite(value) or value != int(value):
            raise OptionError(name, f"takes whole numbers, not {value}")
        between(name, int(value), low, high)
    return [int(value) for value in values]
