"""The exceptions that the command line turns into one-line messages."""

from __future__ import annotations


class NlptkError(Exception):
    """A problem the user can fix (bad input, wrong model file): exit 1 with the message."""


class OptionError(NlptkError, ValueError):
    """A parameter value out of its range or not understood: a usage error (exit 2).

    ``parameter`` is the library's name for it (``min_count``); the command line shows it as the
    option of the same name (``--min-count``), unless it is given already as an option or argument.
    """

    def __init__(self, parameter: str, problem: str) -> None:
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"{parameter} {problem}")

    def as_option(self) -> str:
        """The message with the parameter written as a command-line option."""
        name = self.parameter
        if not name.startswith("-") and name.isidentifier():
            name = "--" + name.replace("_", "-")
        return f"{name} {self.problem}"
