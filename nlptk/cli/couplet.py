"""``nlptk couplet [answer] 上联…``, ``nlptk couplet train``, ``nlptk couplet eval``."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import couplet_app
from nlptk.cli.runs import ModelRun, TrainingRun, training_options
from nlptk.cli.settings import Opt, Settings, with_settings
from nlptk.errors import NlptkError
from nlptk.seq2seq.couplet.config import ANSWER_DECODER, CoupletConfig, CoupletTrainOptions


@couplet_app.command("answer")
@with_settings(run=ModelRun)
def couplet_answer(
    run: ModelRun,
    lines: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="First lines (上联); - reads one per line from stdin (the default).", show_default=False),
    ] = None,
    files: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--file", "-f", help="Read first lines from this file, one per line (repeatable)."),
    ] = None,
    candidates: Annotated[
        int, typer.Option("-n", "--candidates", help="Distinct second lines per first line (1 to 1000).")
    ] = 1,
    decoder: opt.Decoder = ANSWER_DECODER,
    output_format: opt.FormatOpt = opt.Format.tsv,
) -> None:
    """Answer each first line with a second line of the same length (one output line per input line).

    Punctuation is copied in place, no position repeats the first line's character, and
    repeated characters are mirrored. A line that cannot be answered is reported on stderr
    (and as an error record in jsonl); the others are still answered.
    """
    run.start("nlptk couplet")
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.seq2seq.couplet.generate import answer_lines, check_answering
    from nlptk.seq2seq.couplet.model import CoupletModel

    decoding = Decoding.parse(decoder)
    check_answering(candidates, run.seed)
    texts: list[str] = []
    for item in lines or ([] if files else ["-"]):
        texts += list(read_lines(resolve_inputs(["-"]), run.encoding)) if item == "-" else [item]
    if files:
        texts += list(read_lines(resolve_inputs(files), run.encoding))
    if not texts:
        raise NlptkError("no first lines to answer (the input is empty)")
    couplet = CoupletModel.load(run.model)
    answers = answer_lines(couplet, texts, decoding, candidates, run.seed)
    failed = 0
    with atomic_output(run.output) as out:
        for number, answer in enumerate(answers, 1):
            if answer.error:
                failed += 1
                typer.echo(f"nlptk: line {number}: {answer.error}", err=True)
            if output_format is opt.Format.jsonl:
                record: dict = {"line": number, "first": answer.first}
                if answer.error:
                    record["error"] = answer.error
                else:
                    record["candidates"] = answer.candidates
                    record["log_probs"] = [round(s, 3) for s in answer.scores]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write("\t".join(answer.candidates) + "\n")
    if failed:
        raise NlptkError(f"{failed} of {len(answers)} lines could not be answered")


COUPLET_SHAPE = [
    Opt("dim", "Embedding and convolution width."),
    Opt("dilations", "One gated convolution block per dilation."),
    Opt("attention", "Self-attention after these blocks (0-based; '' for none)."),
    Opt("decoder", "GRU size over the chosen characters (0: a softmax per position)."),
    Opt("dropout", "Dropout rate (0 to 1, 1 excluded)."),
    Opt("max_len", "Longest line answered (longer pairs are dropped)."),
]
COUPLET_TRAINING = [
    Opt("min_count", "Rarer characters become <unk>."),
    *training_options("pairs", "dev BLEU"),
    Opt("dev_limit", "Score at most this many dev pairs per epoch (0: all)."),
]


@couplet_app.command("train")
@with_settings((CoupletConfig, COUPLET_SHAPE), (CoupletTrainOptions, COUPLET_TRAINING), run=TrainingRun)
def couplet_train(
    train_in: Annotated[str, typer.Option(help="First lines, one per line (couplet/train.in.txt).")],
    train_out: Annotated[str, typer.Option(help="Their second lines (couplet/train.out.txt).")],
    dev: Annotated[str, typer.Option(help="Dev pairs for model selection (couplet/valid.txt).")],
    settings: Settings,
    run: TrainingRun,
) -> None:
    """Train a couplet model; keeps the epoch whose greedy answers score the best dev BLEU-4."""
    run.start("nlptk couplet")
    from nlptk.seq2seq.couplet.data import read_pairs, read_parallel
    from nlptk.seq2seq.couplet.train import train_couplet_model

    record = {"train_files": [train_in, train_out], "dev_file": dev}
    config, options = run.settings(settings, CoupletConfig, CoupletTrainOptions, **record)
    pairs = read_parallel(train_in, train_out, run.encoding)
    run.train(train_couplet_model, config, pairs, read_pairs(dev, run.encoding), options, score=("dev BLEU-4", "bleu4"))


@couplet_app.command("eval")
@with_settings(run=ModelRun)
def couplet_eval(
    run: ModelRun,
    pairs_file: Annotated[str, typer.Argument(help="Pairs, '上联<TAB>=><TAB>下联' per line (couplet/test.txt).")],
    decoder: opt.Decoder = ANSWER_DECODER,
    examples: Annotated[int, typer.Option(help="Also print this many examples (first line, answer, gold lines).")] = 0,
    report_format: opt.ReportFormatOpt = opt.ReportFormat.text,
) -> None:
    """Character BLEU-4 (corpus) and constraint rates of the best answers."""
    run.start("nlptk couplet")
    from nlptk import checks
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output
    from nlptk.seq2seq.couplet.data import read_pairs
    from nlptk.seq2seq.couplet.evaluation import evaluate_couplets
    from nlptk.seq2seq.couplet.model import CoupletModel

    checks.at_least("examples", examples, 0)
    decoding = Decoding.parse(decoder)
    pairs = read_pairs(pairs_file, run.encoding)
    if not pairs:
        raise NlptkError(f"{pairs_file}: no pairs (the input is empty)")
    evaluation = evaluate_couplets(CoupletModel.load(run.model), pairs, decoding, run.seed)
    scores = asdict(evaluation.scores)
    shown = [
        {"first": first, "answer": answer, "references": references}
        for first, references, answer in zip(
            evaluation.firsts, evaluation.references, evaluation.predictions, strict=True
        )
    ][:examples]
    with atomic_output(run.output) as out:
        if report_format is opt.ReportFormat.json:
            out.write(json.dumps({**scores, "examples": shown}, ensure_ascii=False) + "\n")
            return
        for name, value in scores.items():
            out.write(f"{name}\t{value:.4f}\n" if isinstance(value, float) else f"{name}\t{value}\n")
        for example in shown:
            out.write(f"example\t{example['first']}\t{example['answer']}\t{'/'.join(example['references'])}\n")
