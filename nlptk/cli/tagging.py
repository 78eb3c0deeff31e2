"""`nlptk tag train|eval|predict`: CRF taggers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import input_size, tag_app
from nlptk.cli.runs import TrainingRun
from nlptk.cli.settings import Opt, Settings, with_settings
from nlptk.errors import OptionError
from nlptk.tagging.config import DEFAULT_STANDARD, TaggerShape, TrainOptions

if TYPE_CHECKING:
    from nlptk.tagging.inference import TaggerBase


TAGGER_SHAPE = [
    Opt("dim", "Width of the convolution stack."),
    Opt("char_dim", "Character embedding size."),
    Opt("bigram_dim", "Character-bigram embedding size (0: none)."),
    Opt("dilations", "Dilations of the gated convolution blocks."),
    Opt("dropout", "Dropout rate."),
    Opt("max_len", "Longer sentences are cut into pieces of at most this many characters."),
    Opt("lstm_dim", "Hidden size of a BiLSTM after the convolutions (0: none)."),
    Opt("standard_dim", "Size of the standard's embedding (for NAME=FILE training files of several standards)."),
    Opt("dictionary", "Flag where words of this dictionary ('jieba' or a word list) begin/continue/end."),
    Opt(
        "dictionary_tags", "Also flag, per group, dictionary words whose tag starts with one of these (e.g. nr,ns,nt)."
    ),
]
TAGGER_TRAINING = [
    Opt("lr", "Adam learning rate of the encoder."),
    Opt("crf_lr_multiplier", "CRF transitions learn this many times faster."),
    Opt("lr_decay", "Learning rates are multiplied by this after each epoch."),
    Opt("batch_chars", "Characters per training batch."),
    Opt("epochs", "At most this many passes over the data."),
    Opt("patience", "Stop after this many evaluations without a better dev F1."),
    Opt("max_minutes", "Stop training after this many minutes (0: no limit)."),
    Opt("evaluations_per_epoch", "Dev evaluations per epoch.", name="evaluations"),
    Opt("standard_sampling", "Each standard's share of an epoch goes with its size to this power (0: equal)."),
    Opt("average", "Also average the weights of every dev evaluation; the average is kept if it scores better."),
    Opt(
        "entity_folds",
        "Flag strings that are entities in the training data; while training, each of this many"
        " contiguous folds sees only the other folds' entities (0: off).",
    ),
]


@tag_app.command("train")
@with_settings((TaggerShape, TAGGER_SHAPE), (TrainOptions, TAGGER_TRAINING), run=TrainingRun)
def tag_train(
    train: Annotated[
        list[str],
        typer.Argument(
            help="Training files (a file given twice counts twice); NAME=FILE for each file of a model of several"
            " segmentation standards (pku=… ctb=…; --dev likewise)."
        ),
    ],
    settings: Settings,
    run: TrainingRun,
    dev: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Dev file for early stopping (repeatable); or use --holdout."),
    ] = None,
    holdout: Annotated[
        int, typer.Option(help="Without --dev: hold out this many random training sentences (by --seed) as dev.")
    ] = 0,
    task: Annotated[
        opt.Task, typer.Option(help="seg: words per line; ner: char<TAB>tag; pos: CoNLL-U.")
    ] = opt.Task.seg,
    pretrain_chars: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Raw text (repeatable): initialise character embeddings from its PPMI-SVD vectors."),
    ] = None,
    init_from: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Continue training this model (its vocabulary and shape: the shape options are ignored)."),
    ] = None,
) -> None:
    """Train a tagger; keeps the weights with the best dev F1 and records data, settings and scores."""
    run.start("nlptk tag")
    from nlptk.tagging.data import read_standard_examples, split_holdout, standard_names
    from nlptk.tagging.model import Tagger
    from nlptk.tagging.train import train_tagger

    if not dev and not holdout:
        raise OptionError("dev", "give --dev FILE, or --holdout N training sentences to hold out as dev")
    if holdout < 0:
        raise OptionError("holdout", f"must be at least 0, not {holdout}")
    standards = standard_names(task.value, train)
    shape = settings.build(TaggerShape, standards=standards)  # every option is checked before any input is read
    extra = {"train_files": train, "dev_files": dev or f"{holdout} held-out training sentences"}
    if init_from is not None:
        extra["init_from"] = str(init_from)
    options = settings.build(
        TrainOptions, seed=run.seed, threads=run.threads, pretrain_chars=pretrain_chars or [], extra=extra
    )
    initial = Tagger.load(init_from) if init_from is not None else None
    examples = read_standard_examples(task.value, train, standards, run.encoding)
    if dev:
        dev_examples = read_standard_examples(task.value, dev, standards, run.encoding)
    else:
        examples, dev_examples = split_holdout(examples, holdout, run.seed)
    run.train(
        train_tagger, task.value, examples, dev_examples, shape, options, initial=initial, score=("best dev F1", "f1")
    )


@tag_app.command("eval")
def tag_eval(
    data: Annotated[list[str], typer.Argument(help="Gold data in the model's task format.")],
    model: opt.Model = None,
    training_words: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Segmentation: training word list for OOV recall."),
    ] = None,
    standard: opt.Standard = DEFAULT_STANDARD,
    output_format: opt.ReportFormatOpt = opt.ReportFormat.text,
    backend: opt.Backend = opt.DEFAULT_BACKEND,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
) -> None:
    """Score a model: segmentation P/R/F1 and OOV recall (by --standard), entity-level F1, or POS F1 and accuracy."""
    from nlptk.evaluate import load_word_list
    from nlptk.tagging.backend import load_tagger
    from nlptk.tagging.data import read_examples
    from nlptk.tagging.evaluation import evaluate_tagger

    tagger = load_tagger(model, backend.value, threads)
    index = tagger.standard_index(standard) if tagger.config.task == "seg" else 0
    examples = [replace(e, standard=index) for e in read_examples(tagger.config.task, data, encoding_errors.value)]
    known = load_word_list(str(training_words), encoding_errors.value) if training_words else None
    scores = evaluate_tagger(tagger, examples, known)
    if output_format == opt.ReportFormat.json:
        typer.echo(json.dumps(scores))
    else:
        typer.echo("\n".join(f"{k:<10} {v:.4f}" for k, v in scores.items()))


@tag_app.command("predict")
def tag_predict(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    model: opt.Model = None,
    standard: opt.Standard = DEFAULT_STANDARD,
    backend: opt.Backend = opt.DEFAULT_BACKEND,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Tag raw text, one sentence per line: NER as 'char<TAB>tag' blocks, POS as 'word/TAG', seg as words
    (exactly as 'nlptk segment'). Whitespace separates runs tagged on their own and is never tagged."""
    from nlptk.io import atomic_output, read_chunks, read_lines, resolve_inputs
    from nlptk.tagging.backend import load_tagger
    from nlptk.tagging.segmenter import segment_stream

    sources = resolve_inputs(inputs or ["-"])
    tagger = load_tagger(model, backend.value, threads, input_size(sources))
    if tagger.config.task == "seg":
        tagger.standard_index(standard)  # an unknown standard fails before any input is read
        tagged = segment_stream(tagger, read_chunks(sources, encoding_errors=encoding_errors.value), None, standard)
    else:
        tagged = _tagged_lines(tagger, read_lines(sources, encoding_errors.value))
    with atomic_output(output) as out:
        for text in tagged:
            out.write(text)


def _tagged_lines(tagger: TaggerBase, lines: Iterable[str]) -> Iterator[str]:
    """NER or POS output of each line; its whitespace-separated runs are tagged on their own."""
    from nlptk.tagging.schemes import spans

    for line in lines:
        runs = line.split()
        tagged = zip(runs, tagger.predict(runs), strict=True)
        if tagger.config.task == "ner":
            yield "".join(f"{ch}\t{tag}\n" for run, tags in tagged for ch, tag in zip(run, tags, strict=True)) + "\n"
        else:
            yield " ".join(f"{run[s:e]}/{kind}" for run, tags in tagged for s, e, kind in spans(tags)) + "\n"
