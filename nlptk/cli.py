"""The ``nlptk`` command: one typer app; commands parse options, call the library, format output.

Heavy modules are imported inside each command so that ``nlptk --help`` and light commands
start fast; torch is never imported here.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from nlptk.errors import NlptkError


class _PipeClosed(Exception):
    """stdout's reader has gone; typer itself would turn a BrokenPipeError into exit status 1."""


class _Group(TyperGroup):
    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _PipeClosed from None


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
        min_count=_positive("--min-count", min_count),
        thresholds=_floats("--thresholds", thresholds),
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
                    "cohesion": _finite(word.cohesion),
                    "left_entropy": _finite(word.left_entropy),
                    "right_entropy": _finite(word.right_entropy),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(
                    f"{word.word}\t{word.count}\t{_fmt(word.cohesion)}\t{_fmt(word.left_entropy)}\t{_fmt(word.right_entropy)}\n"
                )


@app.command()
def count(
    inputs: Inputs,
    output: Annotated[Path, typer.Option("-o", "--output", help="The n-gram table file to write.")],
    order: Annotated[int, typer.Option(help="Count all 1..N-grams (N ≤ 8).")] = 4,
    min_count: Annotated[int, typer.Option(help="Keep only n-grams (of 2+ characters) seen at least this often.")] = 1,
    latin: LatinOpt = Latin.split,
    memory: Memory = "1G",
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    quiet: Quiet = False,
) -> None:
    """Count all 1..N-grams of characters inside fragments into a table (query it with 'nlptk ngrams')."""
    from nlptk.io import parse_memory
    from nlptk.ngrams import count_to_table
    from nlptk.progress import make_progress

    progress = make_progress(quiet)
    try:
        summary = count_to_table(
            inputs,
            output,
            order=order,
            min_count=_positive("--min-count", min_count),
            latin=latin.value,
            memory=parse_memory(memory),
            encoding_errors=encoding_errors.value,
            progress=progress,
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
    order: Annotated[int, typer.Option(help="With --prefix or no query: only n-grams of this length.")] = 0,
    min_count: Annotated[int, typer.Option(help="With --prefix or no query: only n-grams seen this often.")] = 1,
    output_format: Annotated[Format, typer.Option("--format", help="tsv or jsonl.")] = Format.tsv,
) -> None:
    """Look up n-gram counts in a table: given n-grams, those with a prefix, or all of them."""
    from nlptk.io import atomic_output
    from nlptk.ngrams import NgramTable

    if not table.is_file():
        raise NlptkError(f"{table}: no such n-gram table")
    loaded = NgramTable.load(table)
    if order and not 1 <= order <= loaded.order:
        raise NlptkError(f"--order must be between 1 and {loaded.order} for this table")
    rows = (
        ((q, loaded[q]) for q in queries)
        if queries
        else loaded.items(prefix=prefix or "", order=order or None, min_count=min_count)
    )
    with atomic_output(None) as out:
        for ngram, value in rows:
            if output_format is Format.jsonl:
                out.write(json.dumps({"ngram": ngram, "count": value}, ensure_ascii=False) + "\n")
            else:
                out.write(f"{ngram}\t{value}\n")


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
        _need_torch("the default segmenter (or use --lexicon)")
        from nlptk.tagging.model import cpu_threads
        from nlptk.tagging.segmenter import UserDict, load_segmenter, segment_texts

        cpu_threads()
        tagger = load_segmenter(model)
        extra = UserDict.load(str(user_dict), tagger.config.tags) if user_dict else None
        segmented = (" ".join(words) for words in segment_texts(tagger, lines, extra))
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


@tag_app.command("train")
def tag_train(
    train: Annotated[list[str], typer.Argument(help="Training files (a file given twice counts twice).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model directory to write.")],
    dev: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Dev file for early stopping (repeatable); or use --holdout."),
    ] = None,
    holdout: Annotated[
        int, typer.Option(help="Without --dev: hold out this many random training sentences (by --seed) as dev.")
    ] = 0,
    task: Annotated[Task, typer.Option(help="seg: words per line; ner: char<TAB>tag; pos: CoNLL-U.")] = Task.seg,
    epochs: Annotated[int, typer.Option(help="At most this many passes over the data.")] = 20,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better dev F1.")] = 3,
    max_minutes: Annotated[float, typer.Option(help="Stop training after this many minutes (0: no limit).")] = 0.0,
    lr: Annotated[float, typer.Option(help="Adam learning rate of the encoder.")] = 3e-3,
    crf_lr_multiplier: Annotated[float, typer.Option(help="CRF transitions learn this many times faster.")] = 100.0,
    lr_decay: Annotated[float, typer.Option(help="Learning rates are multiplied by this after each epoch.")] = 0.9,
    batch_chars: Annotated[int, typer.Option(help="Characters per training batch.")] = 16000,
    dim: Annotated[int, typer.Option(help="Width of the convolution stack.")] = 64,
    char_dim: Annotated[int, typer.Option(help="Character embedding size.")] = 64,
    bigram_dim: Annotated[int, typer.Option(help="Character-bigram embedding size (0: none).")] = 32,
    dilations: Annotated[str, typer.Option(help="Dilations of the gated convolution blocks.")] = "1,2,4,1",
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = 0.1,
    max_len: Annotated[
        int, typer.Option(help="Longer sentences are cut into pieces of at most this many characters.")
    ] = 200,
    evaluations: Annotated[int, typer.Option(help="Dev evaluations per epoch.")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Train a tagger; keeps the weights with the best dev F1 and records data, settings and scores."""
    _need_torch("nlptk tag")
    from nlptk.progress import make_progress
    from nlptk.tagging.data import read_examples, split_holdout
    from nlptk.tagging.train import TrainOptions, train_tagger

    examples = read_examples(task.value, train)
    if dev:
        dev_examples = read_examples(task.value, dev)
    elif 0 < holdout < len(examples):
        examples, dev_examples = split_holdout(examples, holdout, seed)
    else:
        raise NlptkError("give --dev FILE, or --holdout N (fewer than the training sentences)")
    shape = {
        "dim": dim,
        "char_dim": char_dim,
        "bigram_dim": bigram_dim,
        "dilations": [int(d) for d in _floats("--dilations", dilations)],
        "dropout": dropout,
        "max_len": max_len,
    }
    options = TrainOptions(
        epochs=epochs,
        patience=patience,
        max_minutes=max_minutes,
        lr=lr,
        crf_lr_multiplier=crf_lr_multiplier,
        lr_decay=lr_decay,
        batch_chars=batch_chars,
        seed=seed,
        evaluations_per_epoch=evaluations,
        extra={"train_files": train, "dev_files": dev or f"{holdout} held-out training sentences"},
    )
    progress = make_progress(quiet)
    try:
        model = train_tagger(task.value, examples, dev_examples, shape, options, progress, log=_log(quiet))
    finally:
        progress.close()
    model.save(output)
    if not quiet:
        typer.echo(f"saved {output} (best dev F1 {model.config.training['dev'].get('f1', float('nan')):.4f})", err=True)


@tag_app.command("eval")
def tag_eval(
    data: Annotated[list[str], typer.Argument(help="Gold data in the model's task format.")],
    model: Annotated[Path, typer.Option(help="Model directory.")],
    training_words: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Segmentation: training word list for OOV recall."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Score a model: segmentation P/R/F1 and OOV recall, entity-level F1, or POS F1 and accuracy."""
    _need_torch("nlptk tag")
    from nlptk.evaluate import load_word_list
    from nlptk.tagging.data import read_examples
    from nlptk.tagging.model import Tagger, cpu_threads
    from nlptk.tagging.train import evaluate_tagger

    cpu_threads()
    tagger = Tagger.load(model)
    examples = read_examples(tagger.config.task, data)
    known = load_word_list(str(training_words)) if training_words else None
    scores = evaluate_tagger(tagger, examples, known)
    if output_format == "json":
        typer.echo(json.dumps(scores))
    else:
        typer.echo("\n".join(f"{k:<10} {v:.4f}" for k, v in scores.items()))


@tag_app.command("predict")
def tag_predict(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    model: Annotated[Optional[Path], typer.Option(help="Model directory.")] = None,  # noqa: UP045
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    output: Output = None,
) -> None:
    """Tag raw text, one sentence per line: NER as 'char<TAB>tag' blocks, POS as 'word/TAG', seg as words."""
    _need_torch("nlptk tag")
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.tagging.model import Tagger, cpu_threads
    from nlptk.tagging.schemes import spans

    if model is None:
        raise NlptkError("--model is required (a directory written by 'nlptk tag train')")
    cpu_threads()
    tagger = Tagger.load(model)
    lines = [line.strip() for line in read_lines(resolve_inputs(inputs or ["-"]), encoding_errors.value)]
    with atomic_output(output) as out:
        for line, tags in zip(lines, tagger.predict(lines), strict=True):
            if tagger.config.task == "ner":
                out.writelines(f"{ch}\t{tag}\n" for ch, tag in zip(line, tags, strict=True))
                out.write("\n")
            elif tagger.config.task == "pos":
                out.write(" ".join(f"{line[s:e]}/{kind}" for s, e, kind in spans(tags)) + "\n")
            else:
                out.write(" ".join(line[s:e] for s, e, _ in spans(tags)) + "\n")


def _log(quiet: bool):
    def log(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    return log


def _need_torch(what: str) -> None:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise NlptkError(f"{what} needs torch: pip install 'nlptk[torch]'")


def _positive(name: str, value: int) -> int:
    if value < 1:
        raise NlptkError(f"{name} must be at least 1")
    return value


def _floats(name: str, text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise NlptkError(f"{name} takes comma-separated numbers, e.g. 2,4,6") from None
    if not values:
        raise NlptkError(f"{name} needs at least one number")
    return values


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: one-line errors, quiet exit on a closed pipe, cleanup on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except NlptkError as exc:
        sys.stderr.write(f"nlptk: error: {exc}\n")
        sys.exit(1)
    except (BrokenPipeError, _PipeClosed):
        # The reader (e.g. `head`) has gone: stop quietly, without a traceback at shutdown.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.stderr.write("nlptk: interrupted\n")
        sys.exit(130)
    except MemoryError:
        sys.stderr.write("nlptk: error: out of memory; try a smaller --memory budget\n")
        sys.exit(1)
