"""``nlptk couplet [answer] 上联…``, ``nlptk couplet train``, ``nlptk couplet eval``."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer

from nlptk.cli.common import Format, Output, Quiet, couplet_app, floats, log_to_stderr, need_torch, positive
from nlptk.errors import NlptkError

ModelOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--model", "-m", help="Model directory (default: the model shipped with nlptk)."),
]
Threads = Annotated[int, typer.Option(help="torch threads (0: every CPU).")]
Decoder = Annotated[str, typer.Option(help="beam-N, greedy, topk-K, nucleus-P, consistent-… (see nlptk lm sample).")]


def default_model_path() -> Path:
    return Path(str(resources.files("nlptk") / "data" / "couplet"))


def _load(model: Path | None, threads: int):
    need_torch("nlptk couplet")
    from nlptk.couplet.model import CoupletModel
    from nlptk.cpu import cpu_threads

    cpu_threads(threads)
    path = model or default_model_path()
    if model is None and not (path / "config.json").is_file():
        raise NlptkError("no couplet model is shipped in this installation; train one with 'nlptk couplet train'")
    return CoupletModel.load(path)


def _decoding(decoder: str):
    from nlptk.decode import Decoding

    try:
        return Decoding.parse(decoder)
    except ValueError as exc:
        raise NlptkError(str(exc)) from None


@couplet_app.command("answer")
def couplet_answer(
    lines: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="First lines (上联); - reads one per line from stdin (the default).", show_default=False),
    ] = None,
    files: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--file", "-f", help="Read first lines from this file, one per line (repeatable)."),
    ] = None,
    model: ModelOpt = None,
    candidates: Annotated[int, typer.Option("-n", help="Distinct second lines per first line.")] = 1,
    decoder: Decoder = "beam-5",
    seed: Annotated[int, typer.Option(help="Random seed for the sampling decoders.")] = 0,
    output_format: Annotated[Format, typer.Option("--format", help="tsv (tab-separated) or jsonl.")] = Format.tsv,
    threads: Threads = 0,
    output: Output = None,
) -> None:
    """Answer each first line with a second line of the same length (one output line per input line).

    Punctuation is copied in place, no position repeats the first line's character, and
    repeated characters are mirrored. A line that cannot be answered is reported on stderr
    (and as an error record in jsonl); the others are still answered.
    """
    from nlptk.couplet.generate import answer_lines
    from nlptk.io import atomic_output, read_lines, resolve_inputs

    decoding = _decoding(decoder)
    positive("-n", candidates)
    texts: list[str] = []
    for item in lines or ([] if files else ["-"]):
        texts += list(read_lines(resolve_inputs(["-"]))) if item == "-" else [item]
    if files:
        texts += list(read_lines(resolve_inputs(files)))
    if not texts:
        raise NlptkError("no first lines to answer (the input is empty)")
    couplet = _load(model, threads)
    answers = answer_lines(couplet, texts, decoding, candidates, seed)
    failed = 0
    with atomic_output(output) as out:
        for number, answer in enumerate(answers, 1):
            if answer.error:
                failed += 1
                typer.echo(f"nlptk: line {number}: {answer.error}", err=True)
            if output_format is Format.jsonl:
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


@couplet_app.command("train")
def couplet_train(
    train_in: Annotated[str, typer.Option(help="First lines, one per line (couplet/train.in.txt).")],
    train_out: Annotated[str, typer.Option(help="Their second lines (couplet/train.out.txt).")],
    dev: Annotated[str, typer.Option(help="Dev pairs for model selection (couplet/valid.txt).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model directory to write.")],
    dim: Annotated[int, typer.Option(help="Embedding and convolution width.")] = 128,
    dilations: Annotated[str, typer.Option(help="One gated convolution block per dilation.")] = "1,1,1,1,1,1",
    attention: Annotated[str, typer.Option(help="Self-attention after these blocks (0-based; '' for none).")] = "2,5",
    decoder_size: Annotated[
        int, typer.Option("--decoder", help="GRU size over the chosen characters (0: a softmax per position).")
    ] = 256,
    dropout: Annotated[float, typer.Option(help="Dropout rate.")] = 0.25,
    max_len: Annotated[int, typer.Option(help="Longest line answered (longer pairs are dropped).")] = 64,
    min_count: Annotated[int, typer.Option(help="Rarer characters become <unk>.")] = 2,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    batch_size: Annotated[int, typer.Option(help="Pairs per batch.")] = 64,
    epochs: Annotated[int, typer.Option(help="At most this many epochs.")] = 30,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without a better dev BLEU.")] = 4,
    max_minutes: Annotated[float, typer.Option(help="Stop training after this many minutes (0: no limit).")] = 0.0,
    dev_limit: Annotated[int, typer.Option(help="Score at most this many dev pairs per epoch (0: all).")] = 0,
    threads: Threads = 0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Train a couplet model; keeps the epoch whose greedy answers score the best dev BLEU-4."""
    need_torch("nlptk couplet")
    from nlptk.couplet.data import read_pairs, read_parallel, usable_pairs
    from nlptk.couplet.model import CoupletConfig
    from nlptk.couplet.train import CoupletTrainOptions, train_couplet_model
    from nlptk.cpu import cpu_threads
    from nlptk.lm.data import Vocabulary
    from nlptk.progress import make_progress

    for name, value in (("--dim", dim), ("--max-len", max_len), ("--batch-size", batch_size)):
        positive(name, value)
    blocks = [int(d) for d in floats("--dilations", dilations)]
    attention_after = [int(a) for a in floats("--attention", attention)] if attention.strip() else []
    if any(not 0 <= a < len(blocks) for a in attention_after):
        raise NlptkError(f"--attention names blocks 0..{len(blocks) - 1}")
    cpu_threads(threads)
    pairs = usable_pairs(read_parallel(train_in, train_out), max_len)
    dev_pairs = usable_pairs(read_pairs(dev), max_len)
    if not pairs or not dev_pairs:
        raise NlptkError("no usable training or dev pairs (equal lengths, at most --max-len characters)")
    if dev_limit:
        dev_pairs = dev_pairs[:dev_limit]
    vocab = Vocabulary.build([a + b for a, b in pairs], min_count)
    config = CoupletConfig(
        vocab.words, dim, blocks, attention=attention_after, decoder=decoder_size, dropout=dropout, max_len=max_len
    )
    options = CoupletTrainOptions(epochs, patience, lr, batch_size=batch_size, seed=seed, max_minutes=max_minutes)
    log = log_to_stderr(quiet)
    log(f"{len(pairs)} training pairs, {len(dev_pairs)} dev pairs, {len(vocab)} characters; {config.design}")
    progress = make_progress(quiet)
    try:
        couplet = train_couplet_model(config, pairs, dev_pairs, options, progress, log)
    finally:
        progress.close()
    couplet.config.training.update({"train_files": [train_in, train_out], "dev_file": dev})
    couplet.save(output)
    log(f"saved {output} (dev BLEU-4 {couplet.config.training['dev_bleu4_greedy']:.4f}, greedy)")


@couplet_app.command("eval")
def couplet_eval(
    pairs_file: Annotated[str, typer.Argument(help="Pairs, '上联<TAB>=><TAB>下联' per line (couplet/test.txt).")],
    model: ModelOpt = None,
    decoder: Decoder = "beam-5",
    examples: Annotated[int, typer.Option(help="Also print this many examples (first line, answer, gold lines).")] = 0,
    threads: Threads = 0,
) -> None:
    """Character BLEU-4 (corpus) and constraint rates of the best answers."""
    from nlptk.couplet.data import read_pairs
    from nlptk.couplet.evaluation import evaluate_couplets

    couplet = _load(model, threads)
    pairs = read_pairs(pairs_file)
    if not pairs:
        raise NlptkError(f"{pairs_file}: no pairs (the input is empty)")
    scores = evaluate_couplets(couplet, pairs, _decoding(decoder))
    shown = zip(scores.pop("firsts"), scores.pop("references"), scores.pop("predictions"), strict=True)
    for name, value in scores.items():
        typer.echo(f"{name}\t{value:.4f}" if isinstance(value, float) else f"{name}\t{value}")
    for first, references, answer in list(shown)[:examples]:
        typer.echo(f"example\t{first}\t{answer}\t{'/'.join(references)}")
