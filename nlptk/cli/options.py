"""The option types of the ``nlptk`` commands (``from nlptk.cli import options as opt``): the
choices as enums and each shared option as one ``Annotated`` type, so a command says
``quiet: opt.Quiet = False`` and every command words it the same."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


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
Decoder = Annotated[
    str, typer.Option(help="beam-N, greedy, ancestral, topk-K, nucleus-P, consistent-… (see nlptk lm sample).")
]
