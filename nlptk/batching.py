"""Training batches of similar length, so little of each batch is padding."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def length_batches(
    items: Sequence[Item], size: int, rng: random.Random, length: Callable[[Item], int] = len
) -> list[list[Item]]:
    """Shuffled batches of ``size`` items, sorted by ``length`` within pools of 50 batches."""
    order = list(range(len(items)))
    rng.shuffle(order)
    batches = []
    pool = 50 * size
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: length(items[i]))
        batches += [[items[i] for i in chunk[j : j + size]] for j in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches
