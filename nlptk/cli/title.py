"""``nlptk title [generate] ARTICLES…``, ``nlptk title train``, ``nlptk title eval``."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import log_to_stderr, title_app
from nlptk.cli.runs import BF16, ModelRun, TrainingRun, training_options
from nlptk.cli.settings import Opt, Settings, with_settings
from nlptk.errors import NlptkError
from nlptk.seq2seq.title.config import TITLE_DECODER, TITLE_MAX_LEN, TitleConfig, TitleTrainOptions

MaxLen = Annotated[int, typer.Option(help="At most this many characters per title.")]


@title_app.command("generate")
@with_settings(run=ModelRun)
def title_generate(
    run: ModelRun,
    inputs: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Files with one article per line (- or nothing: stdin).", show_default=False),
    ] = None,
    field: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Read JSONL and take the article from this field (e.g. content)."),
    ] = None,
    decoder: opt.Decoder = TITLE_DECODER,
    max_len: MaxLen = TITLE_MAX_LEN,
    output_format: opt.FormatOpt = opt.Format.tsv,
    quiet: opt.Quiet = False,
) -> None:
    """Print one title per article. An article longer than the model reads (max_input in its
    config.json, set by 'nlptk title train --max-input') is titled from its beginning, and a note
    on stderr says how many were. A bad record (empty, not JSON, no such
    field) is reported on stderr (and as an error record in jsonl); the others are still titled."""
    run.start("nlptk title")
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output
    from nlptk.seq2seq.title.data import read_articles
    from nlptk.seq2seq.title.generate import title_articles
    from nlptk.seq2seq.title.model import TitleModel

    decoding = Decoding.parse(decoder, max_len=max_len)
    articles = list(read_articles(inputs or ["-"], field, encoding_errors=run.encoding))
    if not articles:
        raise NlptkError("no articles to title (the input is empty)")
    writer = TitleModel.load(run.model)
    titled = title_articles(writer, articles, decoding, run.seed)
    longer = sum(t.truncated for t in titled)
    if longer:
        log_to_stderr(quiet)(
            f"nlptk: note: {longer} articles were titled from their first {writer.config.max_input} characters"
        )
    failed = 0
    with atomic_output(run.output) as out:
        for number, result in enumerate(titled, 1):
            if result.error:
                failed += 1
                typer.echo(f"nlptk: article {number}: {result.error}", err=True)
            if output_format is opt.Format.jsonl:
                record: dict = {"article": number}
                if result.error:
                    record["error"] = result.error
                else:
                    record["title"] = result.title
                    record["terminated"] = result.terminated
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(result.title + "\n")
    if failed:
        raise NlptkError(f"{failed} of {len(articles)} articles could not be titled")


TITLE_SHAPE = [
    Opt("encoder", "lstm (2-layer BiLSTM) or conv (gated dilated convolutions).", choices=("lstm", "conv")),
    Opt("dim", "Character embedding size."),
    Opt("encoder_size", "Encoder width (BiLSTM: both directions, even)."),
    Opt("dilations", "The conv encoder's blocks, one per dilation."),
    Opt("decoder_size", "Decoder LSTM size."),
    Opt("hidden", "Size of the Dense(relu) before the output."),
    Opt("copy_prior", "The copy prior χ."),
    Opt("copy_attention", "Mix in copying from the attended characters."),
    Opt("dropout", "Dropout rate (0 to 1, 1 excluded)."),
    Opt("max_input", "Characters of each article read, in training and when titling (the rest is ignored)."),
    Opt("max_title", "Longest title trained and generated."),
]
TITLE_TRAINING = [
    Opt("min_count", "Rarer characters become <unk>."),
    *training_options("articles", "dev ROUGE-L"),
    Opt("eval_every", "Batches between dev evaluations."),
    Opt("dev_limit", "Score at most this many dev articles (0: all)."),
    BF16,
]


@title_app.command("train")
@with_settings((TitleConfig, TITLE_SHAPE), (TitleTrainOptions, TITLE_TRAINING), run=TrainingRun)
def title_train(
    train: Annotated[list[str], typer.Argument(help="JSONL stories with content and title (title/train.jsonl).")],
    dev: Annotated[str, typer.Option(help="Dev stories for model selection (title/valid.jsonl).")],
    settings: Settings,
    run: TrainingRun,
) -> None:
    """Train a title model; keeps the weights whose greedy dev titles score the best ROUGE-L."""
    run.start("nlptk title")
    from nlptk.seq2seq.title.data import read_examples
    from nlptk.seq2seq.title.train import train_title_model

    config, options = run.settings(settings, TitleConfig, TitleTrainOptions, train_files=train, dev_file=dev)
    stories = [a for path in train for a in read_examples(path, run.encoding)]
    dev_stories = read_examples(dev, run.encoding)
    run.train(train_title_model, config, stories, dev_stories, options, score=("dev ROUGE-L", "rouge-l"))


@title_app.command("eval")
@with_settings(run=ModelRun)
def title_eval(
    run: ModelRun,
    data: Annotated[str, typer.Argument(help="Stories with gold titles: JSONL (content, title) or CSL's .tsv.")],
    decoder: opt.Decoder = TITLE_DECODER,
    max_len: MaxLen = TITLE_MAX_LEN,
    limit: Annotated[int, typer.Option(help="Score at most this many stories (0: all).")] = 0,
    examples: Annotated[int, typer.Option(help="Also print this many examples (gold, lead, generated).")] = 0,
    report_format: opt.ReportFormatOpt = opt.ReportFormat.text,
) -> None:
    """Character ROUGE-1/2/L F1 of the generated titles and of the lead baseline (first sentence, 30 characters)."""
    run.start("nlptk title")
    from nlptk import checks
    from nlptk.decode import Decoding
    from nlptk.io import atomic_output
    from nlptk.seq2seq.title.data import lead, read_examples
    from nlptk.seq2seq.title.evaluation import lead_baseline, score_titles
    from nlptk.seq2seq.title.generate import generate_titles, title_text
    from nlptk.seq2seq.title.model import TitleModel

    checks.at_least("limit", limit, 0)
    checks.at_least("examples", examples, 0)
    decoding = Decoding.parse(decoder, max_len=max_len)
    stories = read_examples(data, run.encoding)[: limit or None]
    if not stories:
        raise NlptkError(f"{data}: no stories with content and title")
    writer = TitleModel.load(run.model)
    hypotheses = generate_titles(writer, [a.text for a in stories], decoding, run.seed)
    titles = [title_text(writer, h) for h in hypotheses]
    rows = {
        "model": score_titles(stories, titles, [h.terminated for h in hypotheses]),
        "lead-30": lead_baseline(stories),
    }
    shown = [
        {"gold": story.title, "lead": lead(story.text), "title": title}
        for story, title in list(zip(stories, titles, strict=True))[:examples]
    ]
    with atomic_output(run.output) as out:
        if report_format is opt.ReportFormat.json:
            out.write(json.dumps({"systems": rows, "examples": shown}, ensure_ascii=False) + "\n")
            return
        out.write("system\ttitles\trouge-1\trouge-2\trouge-l\tmean_length\trepeated_3gram\tterminated\n")
        for name, s in rows.items():
            terminated = f"{s['terminated']:.4f}" if "terminated" in s else "-"
            out.write(
                f"{name}\t{s['titles']}\t{s['rouge-1']:.4f}\t{s['rouge-2']:.4f}\t{s['rouge-l']:.4f}"
                f"\t{s['mean_length']:.1f}\t{s['repeated_3gram']:.4f}\t{terminated}\n"
            )
        for example in shown:
            out.write(f"example\t{example['gold']}\t{example['lead']}\t{example['title']}\n")
