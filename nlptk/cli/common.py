"""Shared pieces of the ``nlptk`` command: the typer apps, option types and small helpers."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from typer.core import TyperGroup

from nlptk.cli import help as _help  # noqa: F401  (help wording)
from nlptk.cpu import torch_installed
from nlptk.errors import NlptkError, OptionError
from nlptk.io import Source


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


def log_to_stderr(quiet: bool):
    def log(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    return log


def input_size(sources: list[Source]) -> int | None:
    """The total size of the input files in bytes; None when standard input is one of them."""
    sizes = [source.size() for source in sources]
    return None if None in sizes else sum(sizes)  # type: ignore[arg-type]


def need_torch(what: str) -> None:
    if not torch_installed():
        raise NlptkError(f"{what} needs torch: pip install 'nlptk[torch]'")


def floats(name: str, text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise OptionError(name, "takes comma-separated numbers, e.g. 2,4,6") from None
    if not values:
        raise OptionError(name, "needs at least one number")
    return values


def finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
