"""The one exception type that the command line turns into a one-line message."""


class NlptkError(Exception):
    """A problem the user can fix (bad input, wrong model file, bad option): exit 1 with the message."""
