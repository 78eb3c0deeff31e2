"""Shared pieces of the ``nlptk`` command: the typer apps, option types and small helpers."""

from __future__ import annotations

import importlib.util
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from nlptk.cli import help as _help  # noqa: F401  (help wording)
from nlptk.errors import NlptkError, OptionError


class PipeClosed(Exception):
    """stdout's reader has gone; typer itself would turn a BrokenPipeError into exit status 1."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during a command (typer would turn KeyboardInterrupt into a silent exit)."""


class _Group(TyperGroup):
    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise PipeClosed from None
        except KeyboardInterrupt:
            raise Interrupted from None


class _DefaultCommandGroup(_Group):
    """A group whose first argument, when it is not a command name, goes to ``default_command``:
    ``nlptk couplet 上联`` means ``nlptk couplet answer 上联``."""

    default_command = ""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def default_command_group(name: str) -> type[TyperGroup]:
    return type(f"{name.title()}Group", (_DefaultCommandGroup,), {"default_command": name})


app = typer.Typer(
    cls=_Group,
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="A Chinese-first NLP toolkit for the Unix shell. stdout is data; messages go to stderr.",
)


def _show_version(value: bool) -> None:
    if value:
        from nlptk import __version__

        typer.echo(f"nlptk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A Chinese-first NLP toolkit for the Unix shell. stdout is data; messages go to stderr."""


evaluate_app = typer.Typer(no_args_is_help=True, help="Score predictions against gold data.")
app.add_typer(evaluate_app, name="evaluate")
tag_app = typer.Typer(no_args_is_help=True, help="CRF sequence tagging (segmentation, NER, POS): train, eval, predict.")
app.add_typer(tag_app, name="tag")
lm_app = typer.Typer(
    no_args_is_help=True, help="Word-level language models and the non-termination experiment of decoders."
)
app.add_typer(lm_app, name="lm")
minent_app = typer.Typer(
    no_args_is_help=True,
    help="Minimum-entropy lexicon induction, sentence templates and template-based structure parsing.",
)
app.add_typer(minent_app, name="minent")
couplet_app = typer.Typer(
    cls=default_command_group("answer"),
    help="Couplet (对联) generation: answer first lines (the default command), train, eval.",
)
app.add_typer(couplet_app, name="couplet")
title_app = typer.Typer(
    cls=default_command_group("generate"),
    help="Article → title generation: title articles (the default command), train, eval.",
)
app.add_typer(title_app, name="title")


class Task(str, Enum):
    seg = "seg"
    ner = "ner"
    pos = "pos"


class Format(str, Enum):
    tsv = "tsv"
    jsonl = "jsonl"


class Latin(str, Enum):
    split = "split"
    drop = "drop"


class EncodingErrors(str, Enum):
    strict = "strict"
    replace = "replace"
    ignore = "ignore"


class ReportFormat(str, Enum):
    """A score report: lines for people, or one JSON object."""

    text = "text"
    json = "json"


def check_output_file(value: Path | None) -> Path | None:
    from nlptk.io import check_output_file

    check_output_file(value)
    return value


Inputs = Annotated[list[str], typer.Argument(help="Text files, globs, or - for stdin.", show_default=False)]
Output = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("-o", "--output", callback=check_output_file, help="Write here (atomically) instead of stdout."),
]
ModelOutput = Annotated[Path, typer.Option("-o", "--output", help="Model directory to write (a new one, or --force).")]
Force = Annotated[
    bool, typer.Option("--force", help="Replace the nlptk model directory at -o (nothing else is ever replaced).")
]
Model = Annotated[Optional[Path], typer.Option("-m", "--model", help="Model directory (default: the shipped model).")]  # noqa: UP045
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or messages on stderr.")]
Seed = Annotated[int, typer.Option(help="Random seed (0 to 2^32-1); the same seed gives the same output.")]
Threads = Annotated[int, typer.Option(help="CPU threads for torch (0: every CPU this process may use).")]
Header = Annotated[bool, typer.Option("--header", help="Start TSV output with a line naming the columns.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="tsv (one record per line) or jsonl.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", help="text or json.")]
Memory = Annotated[str, typer.Option(help="Memory budget for counting, e.g. 512M, 2G.")]
EncodingOpt = Annotated[
    EncodingErrors, typer.Option("--encoding-errors", help="What to do with invalid UTF-8: stop, replace or ignore.")
]


class Units(str, Enum):
    """What a discovery lists: words, or compounds and phrases too (minent lexicon, newwords)."""

    words = "words"
    compounds = "compounds"


LatinOpt = Annotated[Latin, typer.Option(help="Latin letters and digits: units inside fragments (split) or dropped.")]


def log_to_stderr(quiet: bool):
    def log(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    return log


def need_torch(what: str) -> None:
    if importlib.util.find_spec("torch") is None:
        raise NlptkError(f"{what} needs torch: pip install 'nlptk[torch]'")


def positive(name: str, value: int) -> int:
    if value < 1:
        raise OptionError(name, f"must be at least 1, not {value}")
    return value


def floats(name: str, text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise OptionError(name, "takes comma-separated numbers, e.g. 2,4,6") from None
    if not values:
        raise OptionError(name, "needs at least one number")
    return values


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
