"""`nlptk count` and `nlptk ngrams`: n-gram tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import app
from nlptk.errors import NlptkError


@app.command()
def count(
    inputs: opt.Inputs,
    output: Annotated[
        Path, typer.Option("-o", "--output", callback=opt.check_output_file, help="The n-gram table file to write.")
    ],
    order: Annotated[int, typer.Option(help="Count all 1..N-grams (N ≤ 8).")] = 4,
    min_count: Annotated[int, typer.Option(help="Keep only n-grams (of 2+ characters) seen at least this often.")] = 1,
    latin: opt.LatinOpt = opt.Latin.split,
    memory: opt.Memory = "1G",
    cluster: opt.Cluster = None,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    quiet: opt.Quiet = False,
) -> None:
    """Count all 1..N-grams of characters inside fragments into a table (query it with 'nlptk ngrams')."""
    from nlptk.cluster.connection import check_address
    from nlptk.io import parse_memory
    from nlptk.ngrams import count_to_table
    from nlptk.progress import make_progress

    if cluster is not None:
        check_address(cluster)

    progress = make_progress(quiet)
    try:
        summary = count_to_table(
            inputs,
            output,
            order=order,
            min_count=min_count,
            latin=latin.value,
            memory=parse_memory(memory),
            encoding_errors=encoding_errors.value,
            progress=progress,
            cluster=cluster,
        )
    finally:
        progress.close()
    if not quiet:
        typer.echo(
            f"counted {summary['chars']:,} characters: "
            + ", ".join(f"{n:,} {k}-grams" for k, n in summary["ngrams"].items())
            + f" -> {output}",
            err=True,
        )


@app.command()
def ngrams(
    table: Annotated[Path, typer.Argument(help="A table written by 'nlptk count'.")],
    queries: Annotated[Optional[list[str]], typer.Argument(help="N-grams to look up.", show_default=False)] = None,  # noqa: UP045
    prefix: Annotated[Optional[str], typer.Option(help="List the n-grams that start with this.")] = None,  # noqa: UP045
    order: Annotated[int, typer.Option(help="With --prefix or no query: only n-grams of this length (0: all).")] = 0,
    min_count: Annotated[int, typer.Option(help="With --prefix or no query: only n-grams seen this often.")] = 1,
    output_format: opt.FormatOpt = opt.Format.tsv,
    header: opt.Header = False,
    output: opt.Output = None,
) -> None:
    """Look up n-gram counts in a table: given n-grams, those with a prefix, or all of them.

    Columns (TSV) or keys (JSONL): ngram, count. Queries come in the order given; listings go
    from the shortest n-grams to the longest, each length in code-point order.
    """
    from nlptk.io import atomic_output
    from nlptk.ngrams import NgramTable

    if not table.is_file():
        raise NlptkError(f"{table}: no such n-gram table")
    loaded = NgramTable.load(table)
    rows = (
        ((q, loaded[q]) for q in queries)
        if queries
        else loaded.items(prefix=prefix or "", order=order or None, min_count=min_count)
    )
    with atomic_output(output) as out:
        if header and output_format is opt.Format.tsv:
            out.write("ngram\tcount\n")
        for ngram, value in rows:
            if output_format is opt.Format.jsonl:
                out.write(json.dumps({"ngram": ngram, "count": value}, ensure_ascii=False) + "\n")
            else:
                out.write(f"{ngram}\t{value}\n")
