"""`nlptk newwords`: word discovery."""

from __future__ import annotations

import json
import math
from typing import Annotated, Optional

import typer

from nlptk.cli.common import (
    EncodingErrors,
    EncodingOpt,
    Format,
    FormatOpt,
    Header,
    Inputs,
    Latin,
    LatinOpt,
    Memory,
    Output,
    Quiet,
    app,
    finite,
    floats,
)

COLUMNS = ("word", "count", "cohesion", "left_entropy", "right_entropy")


@app.command()
def newwords(
    inputs: Inputs,
    order: Annotated[int, typer.Option(help="Longest n-gram whose cohesion is measured (2 to 8).")] = 4,
    min_count: Annotated[int, typer.Option(help="Minimum count of n-grams and of output words.")] = 32,
    thresholds: Annotated[
        str, typer.Option(help="ln-cohesion thresholds for lengths 2,3,4,… (later lengths add 2 each).")
    ] = "2,4,6",
    top: Annotated[int, typer.Option(help="Print only the K most frequent words (0: all).")] = 0,
    min_len: Annotated[int, typer.Option(help="Shortest word printed (at least 1).")] = 2,
    max_len: Annotated[int, typer.Option(help="Longest word printed (0: no limit).")] = 0,
    exclude: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Leave out words of this lexicon (jieba format); 'jieba' is jieba's dictionary. Repeatable."),
    ] = None,
    keep_fragments: Annotated[
        bool, typer.Option(help="Keep pieces that boundary statistics mark as fragments.")
    ] = False,
    output_format: FormatOpt = Format.tsv,
    header: Header = False,
    latin: LatinOpt = Latin.split,
    memory: Memory = "1G",
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Discover words in raw text, most frequent first.

    Columns (TSV) or keys (JSONL): word, count, cohesion (ln of the least likely split's ratio
    P(w) / P(left)·P(right)), left_entropy and right_entropy (branching entropy of the neighbouring
    characters, in nats). A single character has no split: its cohesion is an empty field in TSV
    and null in JSONL (--min-len 1 prints single characters).
    """
    from nlptk.io import atomic_output, parse_memory
    from nlptk.lexicon import Lexicon
    from nlptk.newwords import DiscoveryConfig, WordSelection, discover_words
    from nlptk.progress import make_progress

    config = DiscoveryConfig(
        order=order,
        min_count=min_count,
        thresholds=floats("--thresholds", thresholds),
        latin=latin.value,
        memory=parse_memory(memory),
        encoding_errors=encoding_errors.value,
        reject_fragments=not keep_fragments,
    )
    selection = WordSelection(min_len=min_len, max_len=max_len, top=top)
    excluded = [Lexicon.open(spec) for spec in exclude or []]
    progress = make_progress(quiet)
    try:
        words = discover_words(inputs, config, progress)
    finally:
        progress.close()
    with atomic_output(output) as out:
        if header and output_format is Format.tsv:
            out.write("\t".join(COLUMNS) + "\n")
        for word in selection.select(words, excluded):
            values = (word.word, word.count, word.cohesion, word.left_entropy, word.right_entropy)
            if output_format is Format.jsonl:
                record = dict(zip(COLUMNS, (*values[:2], *map(finite, values[2:])), strict=True))
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write("\t".join((*map(str, values[:2]), *map(_tsv_number, values[2:]))) + "\n")


def _tsv_number(value: float) -> str:
    """Three decimals; an undefined value (the cohesion of one character) is an empty field."""
    return "" if math.isnan(value) else f"{value:.3f}"
