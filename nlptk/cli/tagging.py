"""`nlptk tag train|eval|predict`: CRF taggers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from nlptk.cli.common import (
    EncodingErrors,
    EncodingOpt,
    Force,
    Model,
    ModelOutput,
    Output,
    Quiet,
    ReportFormat,
    ReportFormatOpt,
    Seed,
    Task,
    Threads,
    default,
    floats,
    listed,
    log_to_stderr,
    need_torch,
    tag_app,
)
from nlptk.errors import OptionError
from nlptk.tagging.config import TaggerShape, TrainOptions

if TYPE_CHECKING:
    from nlptk.tagging.model import Tagger


@tag_app.command("train")
def tag_train(
    train: Annotated[list[str], typer.Argument(help="Training files (a file given twice counts twice).")],
    output: ModelOutput,
    dev: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Dev file for early stopping (repeatable); or use --holdout."),
    ] = None,
    holdout: Annotated[
        int, typer.Option(help="Without --dev: hold out this many random training sentences (by --seed) as dev.")
    ] = 0,
    task: Annotated[Task, typer.Option(help="seg: words per line; ner: char<TAB>tag; pos: CoNLL-U.")] = Task.seg,
    epochs: Annotated[int, typer.Option(help="At most this many passes over the data.")] = default(
        TrainOptions, "epochs"
    ),
    patience: Annotated[int, typer.Option(help="Stop after this many evaluations without a better dev F1.")] = default(
        TrainOptions, "patience"
    ),
    max_minutes: Annotated[float, typer.Option(help="Stop training after this many minutes (0: no limit).")] = default(
        TrainOptions, "max_minutes"
    ),
    lr: Annotated[float, typer.Option(help="Adam learning rate of the encoder.")] = default(TrainOptions, "lr"),
    crf_lr_multiplier: Annotated[float, typer.Option(help="CRF transitions learn this many times faster.")] = default(
        TrainOptions, "crf_lr_multiplier"
    ),
    lr_decay: Annotated[float, typer.Option(help="Learning rates are multiplied by this after each epoch.")] = default(
        TrainOptions, "lr_decay"
    ),
    batch_chars: Annotated[int, typer.Option(help="Characters per training batch.")] = default(
        TrainOptions, "batch_chars"
    ),
    dim: Annotated[int, typer.Option(help="Width of the convolution stack.")] = default(TaggerShape, "dim"),
    char_dim: Annotated[int, typer.Option(help="Character embedding size.")] = default(TaggerShape, "char_dim"),
    bigram_dim: Annotated[int, typer.Option(help="Character-bigram embedding size (0: none).")] = default(
        TaggerShape, "bigram_dim"
    ),
    dilations: Annotated[str, typer.Option(help="Dilations of the gated convolution blocks.")] = listed(
        TaggerShape, "dilations"
    ),
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = default(TaggerShape, "dropout"),
    max_len: Annotated[
        int, typer.Option(help="Longer sentences are cut into pieces of at most this many characters.")
    ] = default(TaggerShape, "max_len"),
    evaluations: Annotated[int, typer.Option(help="Dev evaluations per epoch.")] = default(
        TrainOptions, "evaluations_per_epoch"
    ),
    lstm_dim: Annotated[int, typer.Option(help="Hidden size of a BiLSTM after the convolutions (0: none).")] = default(
        TaggerShape, "lstm_dim"
    ),
    dictionary: Annotated[
        str, typer.Option(help="Flag where words of this dictionary ('jieba' or a word list) begin/continue/end.")
    ] = default(TaggerShape, "dictionary"),
    dictionary_tags: Annotated[
        str,
        typer.Option(help="Also flag, per group, dictionary words whose tag starts with one of these (e.g. nr,ns,nt)."),
    ] = listed(TaggerShape, "dictionary_tags"),
    pretrain_chars: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Raw text (repeatable): initialise character embeddings from its PPMI-SVD vectors."),
    ] = None,
    average: Annotated[
        bool,
        typer.Option(help="Also average the weights of every dev evaluation; the average is kept if it scores better."),
    ] = default(TrainOptions, "average"),
    init_from: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Continue training this model (its vocabulary and shape: the shape options are ignored)."),
    ] = None,
    entity_folds: Annotated[
        int,
        typer.Option(
            help="Flag strings that are entities in the training data; while training, each of this many"
            " contiguous folds sees only the other folds' entities (0: off)."
        ),
    ] = default(TrainOptions, "entity_folds"),
    threads: Threads = 0,
    seed: Seed = 0,
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Train a tagger; keeps the weights with the best dev F1 and records data, settings and scores."""
    from nlptk.io import check_model_output

    check_model_output(output, force)
    need_torch("nlptk tag")
    from nlptk.progress import make_progress
    from nlptk.seq2seq.training import kept_metrics
    from nlptk.tagging.data import read_examples, split_holdout
    from nlptk.tagging.model import Tagger
    from nlptk.tagging.train import train_tagger

    if not dev and not holdout:
        raise OptionError("dev", "give --dev FILE, or --holdout N training sentences to hold out as dev")
    if holdout < 0:
        raise OptionError("holdout", f"must be at least 0, not {holdout}")
    shape = TaggerShape(
        dim=dim,
        char_dim=char_dim,
        bigram_dim=bigram_dim,
        dilations=_whole_numbers("dilations", dilations),
        dropout=dropout,
        max_len=max_len,
        dictionary=dictionary,
        dictionary_tags=[t for t in dictionary_tags.split(",") if t],
        lstm_dim=lstm_dim,
    )
    options = TrainOptions(
        epochs=epochs,
        patience=patience,
        max_minutes=max_minutes,
        lr=lr,
        crf_lr_multiplier=crf_lr_multiplier,
        lr_decay=lr_decay,
        batch_chars=batch_chars,
        seed=seed,
        threads=threads,
        evaluations_per_epoch=evaluations,
        pretrain_chars=pretrain_chars or [],
        average=average,
        entity_folds=entity_folds,
        extra={"train_files": train, "dev_files": dev or f"{holdout} held-out training sentences"},
    )
    if init_from is not None:
        options.extra["init_from"] = str(init_from)
    initial = Tagger.load(init_from) if init_from is not None else None
    examples = read_examples(task.value, train, encoding_errors.value)
    if dev:
        dev_examples = read_examples(task.value, dev, encoding_errors.value)
    else:
        examples, dev_examples = split_holdout(examples, holdout, seed)
    progress = make_progress(quiet)
    try:
        model = train_tagger(
            task.value, examples, dev_examples, shape, options, progress, log=log_to_stderr(quiet), initial=initial
        )
    finally:
        progress.close()
    model.save(output, force)
    if not quiet:
        f1 = kept_metrics(model.config.training).get("f1", float("nan"))
        typer.echo(f"saved {output} (best dev F1 {f1:.4f})", err=True)


@tag_app.command("eval")
def tag_eval(
    data: Annotated[list[str], typer.Argument(help="Gold data in the model's task format.")],
    model: Model = None,
    training_words: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Segmentation: training word list for OOV recall."),
    ] = None,
    output_format: ReportFormatOpt = ReportFormat.text,
    threads: Threads = 0,
    encoding_errors: EncodingOpt = EncodingErrors.strict,
) -> None:
    """Score a model: segmentation P/R/F1 and OOV recall, entity-level F1, or POS F1 and accuracy."""
    need_torch("nlptk tag")
    from nlptk.cpu import cpu_threads
    from nlptk.evaluate import load_word_list
    from nlptk.tagging.data import read_examples
    from nlptk.tagging.model import Tagger
    from nlptk.tagging.train import evaluate_tagger

    cpu_threads(threads)
    tagger = Tagger.load(model)
    examples = read_examples(tagger.config.task, data, encoding_errors.value)
    known = load_word_list(str(training_words), encoding_errors.value) if training_words else None
    scores = evaluate_tagger(tagger, examples, known)
    if output_format == ReportFormat.json:
        typer.echo(json.dumps(scores))
    else:
        typer.echo("\n".join(f"{k:<10} {v:.4f}" for k, v in scores.items()))


@tag_app.command("predict")
def tag_predict(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    model: Model = None,
    threads: Threads = 0,
    encoding_errors: EncodingOpt = EncodingErrors.strict,
    output: Output = None,
) -> None:
    """Tag raw text, one sentence per line: NER as 'char<TAB>tag' blocks, POS as 'word/TAG', seg as words
    (exactly as 'nlptk segment'). Whitespace separates runs tagged on their own and is never tagged."""
    need_torch("nlptk tag")
    from nlptk.cpu import cpu_threads
    from nlptk.io import atomic_output, read_chunks, read_lines, resolve_inputs
    from nlptk.tagging.model import Tagger
    from nlptk.tagging.segmenter import segment_stream

    cpu_threads(threads)
    tagger = Tagger.load(model)
    sources = resolve_inputs(inputs or ["-"])
    if tagger.config.task == "seg":
        tagged = segment_stream(tagger, read_chunks(sources, encoding_errors=encoding_errors.value))
    else:
        tagged = _tagged_lines(tagger, read_lines(sources, encoding_errors.value))
    with atomic_output(output) as out:
        for text in tagged:
            out.write(text)


def _tagged_lines(tagger: Tagger, lines: Iterable[str]) -> Iterator[str]:
    """NER or POS output of each line; its whitespace-separated runs are tagged on their own."""
    from nlptk.tagging.schemes import spans

    for line in lines:
        runs = line.split()
        tagged = zip(runs, tagger.predict(runs), strict=True)
        if tagger.config.task == "ner":
            yield "".join(f"{ch}\t{tag}\n" for run, tags in tagged for ch, tag in zip(run, tags, strict=True)) + "\n"
        else:
            yield " ".join(f"{run[s:e]}/{kind}" for run, tags in tagged for s, e, kind in spans(tags)) + "\n"


def _whole_numbers(name: str, text: str) -> list[int]:
    """Comma-separated whole numbers (``--dilations 1,2,4``)."""
    values = floats(f"--{name}", text)
    if any(v != int(v) for v in values):
        raise OptionError(name, f"takes whole numbers, e.g. 1,2,4, not {text!r}")
    return [int(v) for v in values]
