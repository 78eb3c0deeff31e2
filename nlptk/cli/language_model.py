"""``nlptk lm train|eval|sample|degeneration``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli.common import Output, Quiet, lm_app, log_to_stderr, need_torch, positive
from nlptk.errors import NlptkError

Model = Annotated[Path, typer.Option("--model", "-m", help="Model directory written by 'nlptk lm train'.")]
Threads = Annotated[int, typer.Option(help="torch threads (0: every CPU).")]


class Cell(str, Enum):
    lstm = "lstm"
    rnn = "rnn"


class Head(str, Enum):
    softmax = "softmax"
    st = "st"


def _load(model: Path, threads: int):
    need_torch("nlptk lm")
    from nlptk.cpu import cpu_threads
    from nlptk.lm.model import LanguageModel

    cpu_threads(threads)
    return LanguageModel.load(model)


@lm_app.command("train")
def lm_train(
    train: Annotated[list[str], typer.Argument(help="Training text: one sentence per line, tokens split by spaces.")],
    dev: Annotated[str, typer.Option(help="Dev text for early stopping.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model directory to write.")],
    cell: Annotated[Cell, typer.Option(help="Recurrent cell.")] = Cell.lstm,
    hidden: Annotated[int, typer.Option(help="Hidden (= embedding) size.")] = 512,
    layers: Annotated[int, typer.Option(help="Recurrent layers.")] = 2,
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = 0.3,
    head: Annotated[Head, typer.Option(help="Output layer: softmax or self-terminating (st).")] = Head.softmax,
    epsilon: Annotated[float, typer.Option(help="The self-terminating head's ε (p(eos) ≥ 1−(1−ε)^(t+1)).")] = 1e-3,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 2e-3,
    anneal: Annotated[float, typer.Option(help="Learning-rate factor after an epoch without improvement.")] = 0.5,
    batch_size: Annotated[int, typer.Option(help="Sentences per batch.")] = 64,
    clip: Annotated[float, typer.Option(help="Gradient norm clipping.")] = 1.0,
    epochs: Annotated[int, typer.Option(help="At most this many epochs.")] = 40,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better dev perplexity.")] = 3,
    max_minutes: Annotated[float, typer.Option(help="Stop training after this many minutes (0: no limit).")] = 0.0,
    min_count: Annotated[int, typer.Option(help="Rarer words become <unk>.")] = 1,
    bf16: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--bf16/--no-bf16", help="bfloat16 autocast (default: on CPUs with native bf16)."),
    ] = None,
    threads: Threads = 0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Train a word-level LSTM / tanh-RNN language model with tied embeddings; keeps the best dev perplexity."""
    need_torch("nlptk lm")
    from nlptk.cpu import bf16_is_fast, cpu_threads
    from nlptk.lm.data import Vocabulary, read_sentences
    from nlptk.lm.model import LMConfig
    from nlptk.lm.train import LMTrainOptions, train_language_model
    from nlptk.progress import make_progress

    for name, value in (("--hidden", hidden), ("--layers", layers), ("--batch-size", batch_size)):
        positive(name, value)
    if head is Head.st and not 0 < epsilon < 1:
        raise NlptkError("--epsilon must be in (0, 1)")
    cpu_threads(threads)
    train_sentences = read_sentences(train)
    vocab = Vocabulary.build(train_sentences, min_count)
    train_ids = [vocab.encode(s) for s in train_sentences]
    dev_ids = [vocab.encode(s) for s in read_sentences([dev])]
    config = LMConfig(vocab.words, cell.value, layers, hidden, dropout, head.value, epsilon)
    options = LMTrainOptions(
        epochs=epochs,
        patience=patience,
        lr=lr,
        anneal=anneal,
        batch_size=batch_size,
        clip=clip,
        seed=seed,
        max_minutes=max_minutes,
        bf16=bf16_is_fast() if bf16 is None else bf16,
        extra={"train_files": train, "dev_file": dev},
    )
    progress = make_progress(quiet)
    try:
        model = train_language_model(config, train_ids, dev_ids, options, progress, log_to_stderr(quiet))
    finally:
        progress.close()
    model.save(output)
    log_to_stderr(quiet)(f"saved {output} (dev perplexity {model.config.training['dev_perplexity']:.2f})")


@lm_app.command("eval")
def lm_eval(
    data: Annotated[list[str], typer.Argument(help="Text, one sentence per line (- for stdin).")],
    model: Model,
    threads: Threads = 0,
) -> None:
    """Perplexity per token (each sentence's <eos> included)."""
    from nlptk.lm.data import read_sentences
    from nlptk.lm.train import evaluate_perplexity

    lm = _load(model, threads)
    sentences = [lm.vocab.encode(s) for s in read_sentences(data)]
    ppl = evaluate_perplexity(lm, sentences)
    tokens = sum(len(s) + 1 for s in sentences)
    typer.echo(f"sentences\t{len(sentences)}\ntokens\t{tokens}\nperplexity\t{ppl:.2f}")


@lm_app.command("sample")
def lm_sample(
    model: Model,
    inputs: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Contexts, one per line (an empty line: from scratch); - for stdin (default)."),
    ] = None,
    decoder: Annotated[str, typer.Option(help="greedy, beam-N, ancestral, topk-K, nucleus-P, ...")] = "greedy",
    max_len: Annotated[int, typer.Option(help="At most this many tokens per continuation.")] = 100,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 1.0,
    samples: Annotated[int, typer.Option("-n", help="Continuations per context.")] = 1,
    output_format: Annotated[str, typer.Option("--format", help="text or jsonl.")] = "text",
    seed: Annotated[int, typer.Option(help="Random seed for sampling.")] = 0,
    threads: Threads = 0,
    output: Output = None,
) -> None:
    """Continue each context with any decoder; an unfinished continuation ends with '…' (text format)."""
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.lm.degeneration import continue_prefixes

    try:
        decoding = Decoding.parse(decoder, max_len=positive("--max-len", max_len), temperature=temperature)
    except ValueError as exc:
        raise NlptkError(str(exc)) from None
    if output_format not in ("text", "jsonl"):
        raise NlptkError(f"unknown --format {output_format!r} (text or jsonl)")
    lm = _load(model, threads)
    lines = [line.split() for line in read_lines(resolve_inputs(inputs or ["-"]))]
    if not lines:
        raise NlptkError("no contexts to continue (the input is empty; an empty line means 'from scratch')")
    contexts = [lm.vocab.encode(words) for words in lines for _ in range(positive("-n", samples))]
    found = continue_prefixes(lm, contexts, decoding, seed=seed)
    with atomic_output(output) as out:
        for context, hypothesis in zip(contexts, found, strict=True):
            words = lm.vocab.decode(hypothesis.tokens)
            if output_format == "jsonl":
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
    model: Model,
    decoders: Annotated[str, typer.Option(help="Comma-separated decoders.")] = "",
    context: Annotated[int, typer.Option(help="Prefix length in tokens.")] = 10,
    max_len: Annotated[int, typer.Option("--max-len", "-L", help="L: steps before a continuation is endless.")] = 1500,
    limit: Annotated[int, typer.Option(help="Use at most this many prefixes (0: all).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Prefixes decoded together.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed for the samplers.")] = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
) -> None:
    """Non-termination ratio r_L of each decoder over the same prefixes, as a TSV table."""
    from nlptk.lm.data import read_sentences
    from nlptk.lm.degeneration import DECODERS, degeneration_table, prefixes
    from nlptk.progress import make_progress

    names = [d for d in (decoders or DECODERS).split(",") if d]
    lm = _load(model, threads)
    contexts = prefixes([lm.vocab.encode(s) for s in read_sentences(data)], positive("--context", context))
    if limit:
        contexts = contexts[:limit]
    if not contexts:
        raise NlptkError(f"no sentence is longer than --context {context} tokens")
    progress = make_progress(quiet)
    try:
        rows = degeneration_table(lm, contexts, names, positive("--max-len", max_len), batch_size, seed, progress)
    except ValueError as exc:
        raise NlptkError(str(exc)) from None
    finally:
        progress.close()
    typer.echo("decoder\tprefixes\tnon_terminated\tr_L\tmean_length\tseconds")
    for row in rows:
        typer.echo(
            f"{row.decoder}\t{row.prefixes}\t{row.non_terminated}\t{row.ratio:.4f}\t{row.mean_length:.1f}\t{row.seconds:.1f}"
        )
