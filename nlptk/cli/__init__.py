"""The ``nlptk`` command: one typer app; commands parse options, call the library, format output.

Each module here contributes commands; heavy modules are imported inside the commands so that
``nlptk --help`` and light commands start fast, and torch is never imported on their path.
Every failure ends in one line on stderr: exit 2 for usage errors (bad options and option
values), 1 for runtime failures, 130 when interrupted.
"""

from __future__ import annotations

import os
import signal
import sys

import typer
from typer._click import exceptions as click_exceptions

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
from nlptk.cli.common import Interrupted, PipeClosed, app
from nlptk.errors import NlptkError, OptionError


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _fail(message: str, status: int) -> None:
    sys.stderr.write(f"nlptk: error: {message}\n")
    sys.exit(status)


def _usage_message(exc: click_exceptions.UsageError) -> str:
    message = " ".join(exc.format_message().split())
    command = exc.ctx.command_path if exc.ctx is not None else "nlptk"
    return f"{message} (see '{command} --help')"


def main() -> None:
    """Entry point: one-line errors, quiet exit on a closed pipe, cleanup on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        status = app(standalone_mode=False, prog_name="nlptk")
    except OptionError as exc:
        _fail(exc.as_option(), 2)
    except NlptkError as exc:
        _fail(str(exc), 1)
    except click_exceptions.NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        sys.exit(2)
    except click_exceptions.UsageError as exc:
        _fail(_usage_message(exc), 2)
    except click_exceptions.ClickException as exc:
        _fail(" ".join(exc.format_message().split()), exc.exit_code)
    except (BrokenPipeError, PipeClosed):
        # The reader (e.g. `head`) has gone: stop quietly, without a traceback at shutdown.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except (KeyboardInterrupt, Interrupted, typer.Abort):
        sys.stderr.write("nlptk: interrupted\n")
        sys.exit(130)
    except MemoryError:
        _fail("out of memory; try a smaller --memory budget", 1)
    sys.exit(status if isinstance(status, int) else 0)
