"""Bounded, ordered parallel map on threads: numpy releases the GIL in its heavy loops."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


_one_thread = False  # set in the worker processes of a cluster, whose scheduler runs one task per core


def run_single_threaded() -> None:
    """From now on this process maps on one thread (a cluster's worker: Dask spreads the tasks)."""
    global _one_thread
    _one_thread = True


def default_workers() -> int:
    """Threads to use: the CPUs this process may run on, at most 4 (one in a cluster's worker)."""
    if _one_thread:
        return 1
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(4, available))


def ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """``map(func, items)`` on ``workers`` threads, in order, holding at most ``workers + 1`` items at once."""
    workers = workers or default_workers()
    if workers == 1:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
