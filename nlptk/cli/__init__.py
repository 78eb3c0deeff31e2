"""The ``nlptk`` command: one typer app; commands parse options, call the library, format output.

Each module here contributes commands; heavy modules are imported inside the commands so that
``nlptk --help`` and light commands start fast, and torch is never imported on their path.
"""

from __future__ import annotations

import os
import signal
import sys

from nlptk.cli import (  # noqa: F401  (register the commands)
    counting,
    couplet,
    discovery,
    language_model,
    minimum_entropy,
    segmentation,
    tagging,
    title,
)
from nlptk.cli.common import PipeClosed, app
from nlptk.errors import NlptkError


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: one-line errors, quiet exit on a closed pipe, cleanup on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except NlptkError as exc:
        sys.stderr.write(f"nlptk: error: {exc}\n")
        sys.exit(1)
    except (BrokenPipeError, PipeClosed):
        # The reader (e.g. `head`) has gone: stop quietly, without a traceback at shutdown.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.stderr.write("nlptk: interrupted\n")
        sys.exit(130)
    except MemoryError:
        sys.stderr.write("nlptk: error: out of memory; try a smaller --memory budget\n")
        sys.exit(1)
