"""The option types of the ``nlptk`` commands (``from nlptk.cli import options as opt``): the
choices as enums and each shared option as one ``Annotated`` type, so a command says
``quiet: opt.Quiet = False`` and every command words it the same."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, get_args

import typer

from nlptk.io import EncodingErrors as EncodingErrorMode
from nlptk.tagging import config
from nlptk.tagging.config import BACKENDS, STANDARDS, TORCH_FROM_BYTES
from nlptk.tagging.data import TASKS


def choices(name: str, values: Iterable[str]) -> Any:
    """An option's values as a str enum: typer lists them in the help and refuses others."""
    return Enum(name, {value: value for value in values}, type=str)


Task = choices("Task", TASKS)
Format = choices("Format", ("tsv", "jsonl"))  # records: one per line, or JSON lines
ReportFormat = choices("ReportFormat", ("text", "json"))  # a score report: lines for people, or one JSON object
Latin = choices("Latin", ("split", "drop"))
EncodingErrors = choices("EncodingErrors", get_args(EncodingErrorMode))
Units = choices("Units", ("words", "compounds"))  # what a discovery lists: words, or compounds and phrases too


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
Threads = Annotated[int, typer.Option(help="CPU threads (0: every CPU this process may use, at most 4).")]
Header = Annotated[bool, typer.Option("--header", help="Start TSV output with a line naming the columns.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="tsv (one record per line) or jsonl.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", help="text or json.")]
Memory = Annotated[str, typer.Option(help="Memory budget for counting, e.g. 512M, 2G (with --cluster: per worker).")]
Cluster = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        help="Run on a Dask cluster: tcp://HOST:PORT (a running scheduler) or local:N (N worker processes "
        "here). Inputs must be files every worker can read (or fsspec URLs); the output is the same.",
        show_default=False,
    ),
]
EncodingOpt = Annotated[
    EncodingErrors, typer.Option("--encoding-errors", help="What to do with invalid UTF-8: stop, replace or ignore.")
]


LatinOpt = Annotated[Latin, typer.Option(help="Latin letters and digits: units inside fragments (split) or dropped.")]
Decoder = Annotated[
    str, typer.Option(help="greedy, beam-N, ancestral, topk-K, nucleus-P, consistent-topk-K or consistent-nucleus-P.")
]
BackendName = choices("BackendName", BACKENDS)
DEFAULT_BACKEND = BackendName(config.DEFAULT_BACKEND)
Backend = Annotated[
    BackendName,
    typer.Option(
        help="Run the model on numpy (no torch needed) or torch; auto: torch for input files of "
        f"{TORCH_FROM_BYTES >> 20} MB or more when it is installed, numpy otherwise."
    ),
]
Standard = Annotated[
    str,
    typer.Option(
        help="The segmentation standard to follow (one the model knows): "
        + "; ".join(f"{name}: {what}" for name, what in STANDARDS.items())
        + "."
    ),
]
