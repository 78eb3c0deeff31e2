"""`nlptk newwords`: word discovery."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from nlptk.cli.common import (
    EncodingErrors,
    EncodingOpt,
    Format,
    Inputs,
    Latin,
    LatinOpt,
    Memory,
    Output,
    Quiet,
    app,
    finite,
    floats,
    fmt,
    positive,
)


@app.command()
def newwords(
    inputs: Inputs,
    order: Annotated[int, typer.Option(help="Longest n-gram whose cohesion is measured.")] = 4,
    min_count: Annotated[int, typer.Option(help="Minimum count of n-grams and of output words.")] = 32,
    thresholds: Annotated[
        str, typer.Option(help="ln-cohesion thresholds for lengths 2,3,4,… (later lengths add 2 each).")
    ] = "2,4,6",
    top: Annotated[int, typer.Option(help="Print only the K most frequent words (0: all).")] = 0,
    min_len: Annotated[int, typer.Option(help="Shortest word printed.")] = 2,
    max_len: Annotated[int, typer.Option(help="Longest word printed (0: no limit).")] = 0,
    exclude: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Leave out words of this lexicon (jieba format); 'jieba' is jieba's dictionary. Repeatable."),
    ] = None,
    keep_fragments: Annotated[
        bool, typer.Option(help="Keep pieces that boundary statistics mark as fragments.")
    ] = False,
    output_format: Annotated[Format, typer.Option("--format", help="tsv or jsonl.")] = Format.tsv,
    latin: LatinOpt = Latin.split,
    memory: Memory = "1G",
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Discover words in raw text: word, count, cohesion, left and right branching entropy."""
    from nlptk.io import atomic_output, parse_memory
    from nlptk.lexicon import Lexicon
    from nlptk.newwords import DiscoveryConfig, discover_words
    from nlptk.progress import make_progress

    config = DiscoveryConfig(
        order=order,
        min_count=positive("--min-count", min_count),
        thresholds=floats("--thresholds", thresholds),
        latin=latin.value,
        memory=parse_memory(memory),
        encoding_errors=encoding_errors.value,
        reject_fragments=not keep_fragments,
    )
    excluded = [Lexicon.open(spec) for spec in exclude or []]
    progress = make_progress(quiet)
    try:
        words = discover_words(inputs, config, progress)
    finally:
        progress.close()
    selected = (
        w
        for w in words
        if len(w.word) >= min_len
        and (not max_len or len(w.word) <= max_len)
        and not any(w.word in lex for lex in excluded)
    )
    with atomic_output(output) as out:
        for rank, word in enumerate(selected):
            if top and rank >= top:
                break
            if output_format is Format.jsonl:
                record = {
                    "word": word.word,
                    "count": word.count,
                    "cohesion": finite(word.cohesion),
                    "left_entropy": finite(word.left_entropy),
                    "right_entropy": finite(word.right_entropy),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(
                    f"{word.word}\t{word.count}\t{fmt(word.cohesion)}\t{fmt(word.left_entropy)}\t{fmt(word.right_entropy)}\n"
                )
