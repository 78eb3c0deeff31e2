"""Progress reporting on stderr: a rich bar on a terminal, nothing otherwise or with --quiet."""

from __future__ import annotations

import sys
from typing import Protocol


class Progress(Protocol):
    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, amount: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """Reports nothing (library default, pipes, --quiet)."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress:
    """One rich progress bar per stage, drawn on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task: int | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)

    def close(self) -> None:
        self._bar.stop()


def make_progress(quiet: bool) -> Progress:
    """A bar when stderr is a terminal and not ``quiet``; otherwise silence."""
    if quiet or not sys.stderr.isatty():
        return NoProgress()
    return BarProgress()
