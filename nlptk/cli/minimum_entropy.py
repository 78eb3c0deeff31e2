"""``nlptk minent lexicon|entropy|templates|parse``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import log_to_stderr, minent_app
from nlptk.errors import NlptkError, OptionError

if TYPE_CHECKING:
    from nlptk.minent import Entropy, RoundStats

ENTROPY_COLUMNS = ("units", "H", "l", "L", "distinct", "tokens")

LexiconOpt = Annotated[str, typer.Option(help="Segment with this lexicon: a jieba-format file, or 'jieba'.")]


# The option of each MinentConfig field that 'minent lexicon' sets (keep_redundant: not remove_redundant).
CONFIG_OPTIONS = {
    "min_prob": "min_prob",
    "min_pmi": "min_pmi",
    "min_saving": "min_saving",
    "penalty": "penalty",
    "remove_redundant": "keep_redundant",
    "max_rounds": "max_rounds",
    "top": "top",
    "memory": "memory",
}


# The defaults shown here are MinentConfig's (a test checks it); the command passes MinentConfig
# only the options given, so its defaults are the library's. MinentConfig is not imported here:
# it brings numpy, which would slow the start of every nlptk command.
@minent_app.command("lexicon")
def lexicon_command(
    ctx: typer.Context,
    inputs: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="Text files, globs, or - for stdin (none: only what --state holds).", show_default=False),
    ] = None,
    state: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Counted text kept between runs: read if it exists, saved again with the new text."),
    ] = None,
    units: Annotated[
        opt.Units,
        typer.Option(
            help="words: the defaults below, one round (the lexicon for 'nlptk segment'); compounds: "
            "--max-rounds 10 --min-pmi 1 --penalty 0, rounds merging words into compounds and phrases "
            "(lower L). Options given explicitly override either."
        ),
    ] = opt.Units.words,
    min_prob: Annotated[float, typer.Option(help="Pairs and candidate words need at least this probability.")] = 1e-7,
    min_pmi: Annotated[float, typer.Option(help="Pairs need ln(p_ab / (p_a p_b)) of at least this.")] = 2.0,
    min_saving: Annotated[
        float,
        typer.Option(
            help="Redundancy removal keeps w only if it saves more than this many nats over the corpus: "
            "count(w)·(ln p(w) − Σ ln p(parts) − 1) > min-saving."
        ),
    ] = 20.0,
    penalty: Annotated[
        float,
        typer.Option(
            help="And only if ln p(w) − Σ ln p(parts) > penalty·(len(w) − 1) (0: no such rule; the reference's: 1)."
        ),
    ] = 2.0,
    keep_redundant: Annotated[
        bool, typer.Option(help="Skip redundancy removal: keep every candidate (to measure what removal does).")
    ] = False,
    max_rounds: Annotated[
        int, typer.Option(help="At most this many rounds of merging (later rounds merge words into compounds).")
    ] = 1,
    top: Annotated[int, typer.Option(help="Write only the K most frequent words (0: all).")] = 0,
    memory: opt.Memory = "1G",
    output_format: opt.FormatOpt = opt.Format.tsv,
    header: opt.Header = False,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
    quiet: opt.Quiet = False,
) -> None:
    """Induce a lexicon by minimum entropy, most frequent words first; L of each round on stderr.

    The defaults give words; --units compounds gives compounds and phrases too.
    TSV: 'word count' lines, space-separated as in jieba's format, so the output is a lexicon for
    --lexicon and --exclude (with --header its first line is 'word count', which a lexicon is not).
    JSONL: {"word", "count"} records.
    """
    from nlptk.io import atomic_output, check_output_file, parse_memory
    from nlptk.minent import MinentConfig, induce_lexicon
    from nlptk.minent.build import read_corpus, saving_state
    from nlptk.minent.induction import CORPUS_COPIES, corpus_memory
    from nlptk.progress import make_progress

    check_output_file(state, "state")
    if not inputs and state is None:
        raise OptionError("state", "is needed when no text is given: give text to read, or --state with counted text")
    values = {
        "min_prob": min_prob,
        "min_pmi": min_pmi,
        "min_saving": min_saving,
        "penalty": penalty,
        "remove_redundant": not keep_redundant,
        "max_rounds": max_rounds,
        "top": top,
        "memory": parse_memory(memory),
    }
    given = {field: value for field, value in values.items() if _given(ctx, CONFIG_OPTIONS[field])}
    config = MinentConfig.compounds(**given) if units is opt.Units.compounds else MinentConfig(**given)
    log = log_to_stderr(quiet)
    progress = make_progress(quiet)
    try:
        corpus = read_corpus(inputs or [], state, encoding_errors.value, progress)
    finally:
        progress.close()
    log(f"characters: L {_describe(corpus.entropy())}")
    if corpus_memory(corpus) > config.memory:  # a warning even with --quiet: the budget will be exceeded
        typer.echo(
            f"nlptk: warning: --memory {memory} is below the {corpus_memory(corpus) >> 20:,}M that this corpus "
            f"needs however it is cut (its unit ids in {CORPUS_COPIES} copies); going on with the smallest blocks",
            err=True,
        )

    def report(stats: RoundStats) -> None:
        log(
            f"round {stats.round}: {stats.candidates:,} candidate words, {stats.kept:,} kept by redundancy "
            f"removal; L {stats.cut.L:.3f} before removal, {_describe(stats.after)}; held-out L {stats.heldout:.3f}"
        )

    # Without --state the corpus is not needed afterwards: induction may change it, saving a copy.
    result = induce_lexicon(corpus, config, on_round=report, in_place=state is None)
    log(
        f"kept {len(result.rounds)} round(s) (held-out L of characters alone {result.heldout_characters:.3f}): "
        f"L {result.entropy.L:.3f} bits/char, {len(result.words):,} words"
    )
    # The state is written first and put in place last: a failed run changes neither file.
    with saving_state(corpus, state), atomic_output(output) as out:
        _write_counts(out, result.words, ("word", "count"), output_format, header, separator=" ")


def _write_counts(
    out: IO[str],
    rows: Iterable[tuple[str, int]],
    columns: tuple[str, str],
    output_format: opt.Format,
    header: bool,
    separator: str = "\t",
) -> None:
    """``item<separator>count`` lines (after a header line naming ``columns`` if asked), or JSONL records."""
    if header and output_format is opt.Format.tsv:
        out.write(separator.join(columns) + "\n")
    for item, count in rows:
        if output_format is opt.Format.jsonl:
            out.write(json.dumps(dict(zip(columns, (item, count), strict=True)), ensure_ascii=False) + "\n")
        else:
            out.write(f"{item}{separator}{count}\n")


@minent_app.command("entropy")
def entropy_command(
    inputs: opt.Inputs,
    lexicon: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Also L of the segmentation by this lexicon (a jieba-format file or 'jieba'; repeatable)."),
    ] = None,
    output_format: opt.FormatOpt = opt.Format.tsv,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """H (bits per unit), l (characters per unit) and L = H / l (bits per character): characters, lexicons.

    TSV: a table whose first line names the columns units, H, l, L, distinct, tokens; JSONL: one
    record with those keys per row.
    """
    from nlptk.io import atomic_output, read_chunks, read_lines, resolve_inputs
    from nlptk.lexicon import Lexicon
    from nlptk.minent import UnitCorpus
    from nlptk.minent.entropy import segmentation_entropy

    sources = resolve_inputs(inputs)
    lexicons = [Lexicon.open(spec) for spec in lexicon or []]
    if lexicons and any(s.name == "-" for s in sources):
        raise NlptkError("stdin can be read only once: give a file to measure with a lexicon")
    corpus = UnitCorpus.empty()
    corpus.add_text(read_chunks(sources, encoding_errors=encoding_errors.value))
    rows = [("characters", corpus.entropy())]
    if not rows[0][1].tokens:
        raise NlptkError("the input holds no text to measure (empty, or no Chinese characters)")
    for spec, words in zip(lexicon or [], lexicons, strict=True):
        rows.append((spec, segmentation_entropy(read_lines(sources, encoding_errors.value), words)))
    with atomic_output(output) as out:
        if output_format is opt.Format.tsv:
            out.write("\t".join(ENTROPY_COLUMNS) + "\n")
        for name, e in rows:
            values = (name, round(e.H, 4), round(e.l, 4), round(e.L, 4), e.units, e.tokens)
            if output_format is opt.Format.jsonl:
                out.write(json.dumps(dict(zip(ENTROPY_COLUMNS, values, strict=True)), ensure_ascii=False) + "\n")
            else:
                out.write(f"{name}\t{e.H:.4f}\t{e.l:.4f}\t{e.L:.4f}\t{e.units}\t{e.tokens}\n")


@minent_app.command("templates")
def templates_command(
    inputs: opt.Inputs,
    lexicon: LexiconOpt = "jieba",
    window: Annotated[int, typer.Option(help="Skip-gram pairs of words at most this far apart.")] = 5,
    min_prob: Annotated[float, typer.Option(help="A DAG edge needs a pair probability above this.")] = 1e-5,
    min_pmi: Annotated[float, typer.Option(help="A DAG edge needs a pair PMI above this.")] = 2.0,
    min_count: Annotated[int, typer.Option(help="Write templates seen at least this often.")] = 2,
    top: Annotated[int, typer.Option(help="Write only the K most frequent templates (0: all).")] = 0,
    keep_trivial: Annotated[bool, typer.Option(help="Keep X w X templates (one word between two slots).")] = False,
    output_format: opt.FormatOpt = opt.Format.tsv,
    header: opt.Header = False,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Induce sentence templates ('X的X是什么'), most frequent first.

    TSV: 'template<TAB>count' lines (the input of 'nlptk minent parse --templates', without
    --header); JSONL: {"template", "count"} records.
    """
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.lexicon import Lexicon
    from nlptk.minent.templates import TemplateConfig, induce_templates

    config = TemplateConfig(
        window=window, min_prob=min_prob, min_pmi=min_pmi, min_count=min_count, keep_trivial=keep_trivial, top=top
    )
    words = Lexicon.open(lexicon)
    found = induce_templates(read_lines(resolve_inputs(inputs), encoding_errors.value), words, config)
    with atomic_output(output) as out:
        _write_counts(out, found, ("template", "count"), output_format, header)


@minent_app.command("parse")
def parse_command(
    templates: Annotated[
        Path, typer.Option(help="Templates, 'template<TAB>count' per line ('nlptk minent templates').")
    ],
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Text files, globs, or - (default).")] = None,  # noqa: UP045
    lexicon: LexiconOpt = "jieba",
    null_score: Annotated[
        float, typer.Option(help="Score of each word after the first in a span no template matches.")
    ] = -20.0,
    output_format: Annotated[
        opt.Format, typer.Option("--format", help="tsv: a bracketed line; jsonl: a tree.")
    ] = opt.Format.tsv,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
) -> None:
    """Parse each line into nested templates: '(雪梨和苹果)的(颜色)是(什么)呢', or a JSON tree."""
    from nlptk.io import atomic_output, read_lines, resolve_inputs
    from nlptk.lexicon import Lexicon
    from nlptk.minent.parse import TemplateParser, read_templates

    parser = TemplateParser(read_templates(templates), Lexicon.open(lexicon), null_score)
    with atomic_output(output) as out:
        for line in read_lines(resolve_inputs(inputs or ["-"]), encoding_errors.value):
            parsed = parser.parse_line(line)
            if output_format is opt.Format.jsonl:
                record = {"text": line, "parse": [p if isinstance(p, str) else p.to_json() for p in parsed]}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write("".join(p if isinstance(p, str) else p.bracketed() for p in parsed) + "\n")


def _given(ctx: typer.Context, parameter: str) -> bool:
    """Whether ``parameter`` was given (on the command line), not left at its default."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and not source.name.startswith("DEFAULT")


def _describe(entropy: Entropy) -> str:
    return f"{entropy.L:.3f} bits/char (H {entropy.H:.3f} bits over {entropy.units:,} units, l {entropy.l:.3f})"
