"""Shared pieces of the ``nlptk`` command: the typer apps, option types and small helpers."""

from __future__ import annotations

import importlib.util
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from nlptk.errors import NlptkError


class PipeClosed(Exception):
    """stdout's reader has gone; typer itself would turn a BrokenPipeError into exit status 1."""


class _Group(TyperGroup):
    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise PipeClosed from None


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
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="A Chinese-first NLP toolkit for the Unix shell. stdout is data; messages go to stderr.",
)
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


Inputs = Annotated[list[str], typer.Argument(help="Text files, globs, or - for stdin.", show_default=False)]
Output = Annotated[Optional[Path], typer.Option("-o", "--output", help="Write here (atomically) instead of stdout.")]  # noqa: UP045
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
Memory = Annotated[str, typer.Option(help="Memory budget for counting, e.g. 512M, 2G.")]
EncodingOpt = Annotated[
    EncodingErrors, typer.Option("--encoding-errors", help="What to do with invalid UTF-8: stop, replace or ignore.")
]
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
        raise NlptkError(f"{name} must be at least 1")
    return value


def floats(name: str, text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise NlptkError(f"{name} takes comma-separated numbers, e.g. 2,4,6") from None
    if not values:
        raise NlptkError(f"{name} needs at least one number")
    return values


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
