"""`nlptk segment` and `nlptk evaluate segment`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli.common import (
    EncodingErrors,
    EncodingOpt,
    Output,
    app,
    evaluate_app,
    need_torch,
)
from nlptk.errors import NlptkError


@app.command()
def segment(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    lexicon: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Segment by dictionary instead: a jieba-format word list, or 'jieba'."),
    ] = None,
    model: Annotated[Optional[Path], typer.Option(help="A segmentation model (default: the shipped one).")] = None,  # noqa: UP045
    user_dict: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Words to keep whole, 'word [multiplier]' per line (model only)."),
    ] = None,
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    output: Output = None,
) -> None:
    """Segment text into space-separated words, one output line per input line."""
    from nlptk.io import atomic_output, read_lines, resolve_inputs

    sources = resolve_inputs(inputs or ["-"])
    lines = read_lines(sources, encoding_errors.value)
    if lexicon is not None:
        if model is not None or user_dict is not None:
            raise NlptkError("--lexicon segments by dictionary; it does not combine with --model or --user-dict")
        from nlptk.lexicon import Lexicon, segment_lines

        words = Lexicon.open(lexicon)
        segmented = segment_lines(lines, words)
    else:
        need_torch("the default segmenter (or use --lexicon)")
        from nlptk.cpu import cpu_threads
        from nlptk.tagging.segmenter import UserDict, load_segmenter, segment_lines

        cpu_threads()
        tagger = load_segmenter(model)
        extra = UserDict.load(str(user_dict), tagger.config.tags) if user_dict else None
        segmented = segment_lines(tagger, lines, extra)
    with atomic_output(output) as out:
        for line in segmented:
            out.write(line + "\n")


@evaluate_app.command("segment")
def evaluate_segment(
    gold: Annotated[Path, typer.Argument(help="Gold segmentation, words separated by whitespace.")],
    pred: Annotated[Path, typer.Argument(help="Predicted segmentation of the same text.")],
    training_words: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Training word list (one per line) for OOV rate and recall."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """SIGHAN-bakeoff scoring: precision, recall, F1, OOV rate, OOV and IV recall."""
    from nlptk.evaluate import format_score, load_word_list, score_segmentation
    from nlptk.io import read_lines, resolve_inputs

    known = load_word_list(str(training_words)) if training_words else None
    score = score_segmentation(read_lines(resolve_inputs([str(gold)])), read_lines(resolve_inputs([str(pred)])), known)
    if output_format == "json":
        typer.echo(json.dumps(score.as_dict(), ensure_ascii=False))
    elif output_format == "text":
        typer.echo(format_score(score))
    else:
        raise NlptkError(f"--format must be text or json, not {output_format!r}")
