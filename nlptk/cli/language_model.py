"""``nlptk lm train|eval|sample|degeneration``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import finite, lm_app, need_torch
from nlptk.cli.runs import BF16, TrainingRun, training_options
from nlptk.cli.settings import Opt, Settings, with_settings
from nlptk.decode.decoding import Decoding
from nlptk.errors import NlptkError
from nlptk.seq2seq.lm.config import LMConfig, LMTrainOptions

DEFAULT_DECODING = Decoding()  # how lm sample decodes unless told otherwise
LMModel = Annotated[Path, typer.Option("--model", "-m", help="Model directory written by 'nlptk lm train'.")]


class SampleFormat(str, Enum):
    """Continuations: one per line (tsv, or its old name text), or jsonl records."""

    tsv = "tsv"
    text = "text"
    jsonl = "jsonl"


def _start(threads: int) -> None:
    """Torch is there and ``threads`` is valid (before any input is read or model loaded)."""
    need_torch("nlptk lm")
    from nlptk.cpu import cpu_threads

    cpu_threads(threads)


def _load(model: Path):
    from nlptk.seq2seq.lm.model import LanguageModel

    return LanguageModel.load(model)


LM_SHAPE = [
    Opt("cell", "Recurrent cell.", choices=("lstm", "rnn")),
    Opt("hidden", "Hidden (= embedding) size."),
    Opt("layers", "Recurrent layers."),
    Opt("dropout", "Dropout rate (0 to 1, 1 excluded)."),
    Opt("head", "Output layer: softmax or self-terminating (st).", choices=("softmax", "st")),
    Opt("epsilon", "The self-terminating head's ε in (0, 1) (p(eos) ≥ 1−(1−ε)^(t+1))."),
]
LM_TRAINING = [
    *training_options("sentences", "dev perplexity"),
    Opt("anneal", "Learning-rate factor (0, 1] after an evaluation that did not improve."),
    Opt("clip", "Gradient norm clipping."),
    Opt("min_count", "Rarer words become <unk>."),
    BF16,
]


@lm_app.command("train")
@with_settings((LMConfig, LM_SHAPE), (LMTrainOptions, LM_TRAINING), run=TrainingRun)
def lm_train(
    train: Annotated[list[str], typer.Argument(help="Training text: one sentence per line, tokens split by spaces.")],
    dev: Annotated[str, typer.Option(help="Dev text for early stopping.")],
    settings: Settings,
    run: TrainingRun,
) -> None:
    """Train a word-level LSTM / tanh-RNN language model with tied embeddings; keeps the best dev perplexity."""
    run.start("nlptk lm")
    from nlptk.seq2seq.lm.data import read_sentences
    from nlptk.seq2seq.lm.train import train_language_model

    config, options = run.settings(settings, LMConfig, LMTrainOptions, train_files=train, dev_file=dev)
    sentences, dev_sentences = read_sentences(train, run.encoding), read_sentences([dev], run.encoding)
    run.train(train_language_model, config, sentences, dev_sentences, options, score=("dev perplexity", "perplexity"))


@lm_app.command("eval")
def lm_eval(
    data: Annotated[list[str], typer.Argument(help="Text, one sentence per line (- for stdin).")],
    model: LMModel,
    report_format: opt.ReportFormatOpt = opt.ReportFormat.text,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Perplexity per token (each sentence's <eos> included)."""
    _start(threads)
    from nlptk.io import atomic_output
    from nlptk.seq2seq.lm.data import read_sentences
    from nlptk.seq2seq.lm.train import evaluate_perplexity

    lm = _load(model)
    sentences = [lm.vocab.encode(s) for s in read_sentences(data, encoding_errors.value)]
    ppl = evaluate_perplexity(lm, sentences)
    report = {"sentences": len(sentences), "tokens": sum(len(s) + 1 for s in sentences), "perplexity": round(ppl, 4)}
    with atomic_output(output) as out:
        if report_format is opt.ReportFormat.json:
            out.write(json.dumps(report) + "\n")
        else:
            out.write(f"sentences\t{report['sentences']}\ntokens\t{report['tokens']}\nperplexity\t{ppl:.2f}\n")


@lm_app.command("sample")
def lm_sample(
    model: LMModel,
    inputs: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Contexts, one per line (an empty line: from scratch); - for stdin (default)."),
    ] = None,
    decoder: opt.Decoder = DEFAULT_DECODING.name,
    max_len: Annotated[int, typer.Option(help="At most this many tokens per continuation.")] = DEFAULT_DECODING.max_len,
    temperature: Annotated[
        float, typer.Option(help="Sampling temperature (0: the most probable token, as greedy; beams ignore it).")
    ] = DEFAULT_DECODING.temperature,
    samples: Annotated[int, typer.Option("-n", "--samples", help="Continuations per context (1 to 1000).")] = 1,
    output_format: Annotated[
        SampleFormat, typer.Option("--format", help="tsv (one continuation per line; text is the same) or jsonl.")
    ] = SampleFormat.tsv,
    seed: opt.Seed = 0,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Continue each context with any decoder; an unfinished continuation ends with '…' (tsv format)."""
    _start(threads)
    from nlptk import checks
    from nlptk.decode import MAX_CANDIDATES
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.seq2seq.lm.degeneration import continue_prefixes

    decoding = Decoding.parse(decoder, max_len=max_len, temperature=temperature)
    checks.between("samples", samples, 1, MAX_CANDIDATES)
    checks.seed(seed)
    lm = _load(model)
    lines = [line.split() for line in read_lines(resolve_inputs(inputs or ["-"]), encoding_errors.value)]
    if not lines:
        raise NlptkError("no contexts to continue (the input is empty; an empty line means 'from scratch')")
    contexts = [lm.vocab.encode(words) for words in lines for _ in range(samples)]
    found = continue_prefixes(lm, contexts, decoding, seed=seed)
    with atomic_output(output) as out:
        for context, hypothesis in zip(contexts, found, strict=True):
            words = lm.vocab.decode(hypothesis.tokens)
            if output_format is SampleFormat.jsonl:
                record = {
                    "context": " ".join(lm.vocab.decode(context)),
                    "continuation": " ".join(words),
                    "terminated": hypothesis.terminated,
                    "log_prob": round(hypothesis.score, 4),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(" ".join(words + ([] if hypothesis.terminated else ["…"])) + "\n")


@lm_app.command("degeneration")
def lm_degeneration(
    data: Annotated[list[str], typer.Argument(help="Sentences whose first tokens are the prefixes (e.g. PTB valid).")],
    model: LMModel,
    decoders: Annotated[str, typer.Option(help="Comma-separated decoders (default: the twelve of the study).")] = "",
    context: Annotated[int, typer.Option(help="Prefix length in tokens.")] = 10,
    max_len: Annotated[int, typer.Option("--max-len", "-L", help="L: steps before a continuation is endless.")] = 1500,
    limit: Annotated[int, typer.Option(help="Use at most this many prefixes (0: all).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Prefixes decoded together.")] = 1000,
    seed: opt.Seed = 0,
    output_format: opt.FormatOpt = opt.Format.tsv,
    threads: opt.Threads = 0,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    quiet: opt.Quiet = False,
    output: opt.Output = None,
) -> None:
    """Non-termination ratio r_L of each decoder over the same prefixes, as a table."""
    _start(threads)
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output
    from nlptk.progress import make_progress
    from nlptk.seq2seq.lm.data import read_sentences
    from nlptk.seq2seq.lm.degeneration import DECODERS, check_prefixes, check_run, degeneration_table, prefixes

    names = [d for d in (decoders or DECODERS).split(",") if d]
    for name in names:
        Decoding.parse(name, max_len=max_len)  # refuse a bad name or length before any work
    check_run(batch_size, seed)
    check_prefixes(context, limit)
    lm = _load(model)
    contexts = prefixes([lm.vocab.encode(s) for s in read_sentences(data, encoding_errors.value)], context, limit)
    if not contexts:
        raise NlptkError(f"no sentence is longer than --context {context} tokens")
    progress = make_progress(quiet)
    try:
        rows = degeneration_table(lm, contexts, names, max_len, batch_size, seed, progress)
    finally:
        progress.close()
    with atomic_output(output) as out:
        if output_format is opt.Format.tsv:
            out.write("decoder\tprefixes\tnon_terminated\tr_L\tmean_length\tseconds\n")
        for row in rows:
            if output_format is opt.Format.jsonl:
                record = {**vars(row), "mean_length": finite(row.mean_length), "seconds": round(row.seconds, 1)}
                out.write(json.dumps(record) + "\n")
            else:
                out.write(
                    f"{row.decoder}\t{row.prefixes}\t{row.non_terminated}\t{row.ratio:.4f}"
                    f"\t{row.mean_length:.1f}\t{row.seconds:.1f}\n"
                )
