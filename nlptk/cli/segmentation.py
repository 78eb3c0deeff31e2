"""`nlptk segment` and `nlptk evaluate segment`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import app, evaluate_app, input_size
from nlptk.errors import NlptkError
from nlptk.tagging.config import DEFAULT_STANDARD

USER_DICT_HELP = (
    "Words to keep whole, one per line (jieba format 'word [freq [tag]]'; only the word counts; model only)."
    " Every occurrence is one word; where occurrences overlap, the leftmost wins, then the longest."
)


@app.command()
def segment(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    lexicon: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Segment by dictionary instead: a jieba-format word list, or 'jieba'."),
    ] = None,
    model: opt.Model = None,
    user_dict: Annotated[Optional[Path], typer.Option(help=USER_DICT_HELP)] = None,  # noqa: UP045
    standard: opt.Standard = DEFAULT_STANDARD,
    backend: opt.Backend = opt.DEFAULT_BACKEND,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Segment text into space-separated words, one output line per input line.

    Whitespace separates words and is never one; Latin letters and Han characters never share
    a word, and runs of Latin letters and digits stay whole.
    """
    from nlptk.io import atomic_output, read_chunks, read_lines, resolve_inputs

    sources = resolve_inputs(inputs or ["-"])
    if lexicon is not None:
        if model is not None or user_dict is not None:
            raise NlptkError("--lexicon segments by dictionary; it does not combine with --model or --user-dict")
        from nlptk.lexicon import Lexicon, segment_lines

        lines = segment_lines(read_lines(sources, encoding_errors.value), Lexicon.open(lexicon))
        segmented: Iterator[str] = (line + "\n" for line in lines)
    else:
        from nlptk.tagging.segmenter import UserDict, load_segmenter, segment_stream

        tagger = load_segmenter(model, backend.value, threads, input_size(sources))
        tagger.standard_index(standard)  # an unknown standard fails before any input is read
        extra = UserDict.load(user_dict) if user_dict else None
        chunks = read_chunks(sources, encoding_errors=encoding_errors.value)
        segmented = segment_stream(tagger, chunks, extra, standard)
    with atomic_output(output) as out:
        for text in segmented:
            out.write(text)


@evaluate_app.command("segment")
def evaluate_segment(
    gold: Annotated[Path, typer.Argument(help="Gold segmentation, words separated by whitespace.")],
    pred: Annotated[Path, typer.Argument(help="Predicted segmentation of the same text.")],
    training_words: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Training word list (one per line) for OOV rate and recall."),
    ] = None,
    output_format: opt.ReportFormatOpt = opt.ReportFormat.text,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
) -> None:
    """SIGHAN-bakeoff scoring: precision, recall, F1, OOV rate, OOV and IV recall."""
    from nlptk.evaluate import format_score, load_word_list, score_segmentation
    from nlptk.io import read_lines, resolve_inputs

    known = load_word_list(str(training_words), encoding_errors.value) if training_words else None
    gold_lines = read_lines(resolve_inputs([str(gold)]), encoding_errors.value)
    pred_lines = read_lines(resolve_inputs([str(pred)]), encoding_errors.value)
    score = score_segmentation(gold_lines, pred_lines, known)
    if output_format == opt.ReportFormat.json:
        typer.echo(json.dumps(score.as_dict(), ensure_ascii=False))
    else:
        typer.echo(format_score(score))
