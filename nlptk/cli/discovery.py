"""`nlptk newwords`: word discovery."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from nlptk.cli import options as opt
from nlptk.cli.common import app, finite, floats
from nlptk.errors import OptionError

if TYPE_CHECKING:
    from pathlib import Path

    from nlptk.newwords import BaselineConfig, Word
    from nlptk.progress import Progress


class SortOrder(str, Enum):
    score = "score"
    count = "count"


COLUMNS = ("word", "count", "cohesion", "left_entropy", "right_entropy", "score")
BASELINE_COLUMNS = ("occurrences", "baseline_count", "llr")


@app.command()
def newwords(
    inputs: opt.Inputs,
    order: Annotated[int, typer.Option(help="Longest n-gram whose cohesion is measured (2 to 8).")] = 4,
    min_count: Annotated[int, typer.Option(help="Minimum count of n-grams and of output words.")] = 32,
    thresholds: Annotated[
        str, typer.Option(help="ln-cohesion thresholds for lengths 2,3,4,… (later lengths add 2 each).")
    ] = "2,4,6",
    top: Annotated[
        int, typer.Option(help="Print only the first K words in --sort order, or highest G² with --baseline (0: all).")
    ] = 0,
    sort: Annotated[
        SortOrder,
        typer.Option(
            help="score: the best evidenced first (cohesion + branching entropy at the weaker edge, in nats); "
            "count: the most frequent first."
        ),
    ] = SortOrder.score,
    min_len: Annotated[int, typer.Option(help="Shortest word printed (at least 1).")] = 2,
    max_len: Annotated[int, typer.Option(help="Longest word printed, past --order too (0: no limit).")] = 10,
    exclude: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Leave out words of this lexicon (jieba format); 'jieba' is jieba's dictionary. Repeatable."),
    ] = None,
    baseline: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            help="Print the words whose frequency rose against this older text (files, globs) or 'nlptk count' "
            "table, ranked by log-likelihood G². Repeatable: the baselines add up.",
            show_default=False,
        ),
    ] = None,
    min_llr: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(help="With --baseline: the least G² printed [default: 10.83, p < 0.001].", show_default=False),
    ] = None,
    min_ratio: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            help="With --baseline: the least growth of a word's relative frequency (1: any significant rise) "
            "[default: 10].",
            show_default=False,
        ),
    ] = None,
    units: Annotated[
        opt.Units,
        typer.Option(
            help="compounds: words, and compounds of the pieces found, up to 8 characters (高质量发展, 商务房); "
            "words: words from character statistics only (the lexicon for 'nlptk segment')."
        ),
    ] = opt.Units.compounds,
    keep_fragments: Annotated[
        bool, typer.Option(help="Keep pieces that boundary statistics mark as fragments.")
    ] = False,
    output_format: opt.FormatOpt = opt.Format.tsv,
    header: opt.Header = False,
    latin: opt.LatinOpt = opt.Latin.split,
    memory: opt.Memory = "1G",
    cluster: opt.Cluster = None,
    encoding_errors: opt.EncodingOpt = opt.EncodingErrors.strict,
    output: opt.Output = None,
    quiet: opt.Quiet = False,
) -> None:
    """Discover words in raw text, the best evidenced first; with --baseline, the words new in time.

    Columns (TSV) or keys (JSONL): word, count, cohesion (ln of the least likely split's ratio
    P(w) / P(left)·P(right), leaving out splits with a side that always occurs inside the word; for
    a compound, between its pieces), left_entropy and right_entropy (branching entropy of the neighbouring
    characters, in nats), score (cohesion + the smaller entropy: the default order, --sort). A
    single character has no split: its cohesion and score are empty fields in TSV and null in
    JSONL (--min-len 1 prints single characters; they come last in score order).

    With --baseline, only the words whose relative frequency rose significantly (--min-llr) and
    many times (--min-ratio) against the baseline, highest G² first, with three more columns:
    occurrences (raw occurrences in the input), baseline_count (in the baseline; for a table and a
    word longer than its order, the least count of its order-length windows, an upper bound) and
    llr (Dunning's G²). Both corpora are measured in characters inside fragments.
    """
    from nlptk.cluster.connection import check_address
    from nlptk.io import parse_memory
    from nlptk.lexicon import word_set
    from nlptk.newwords import BaselineConfig, DiscoveryConfig, WordSelection, check_baselines, discover_words
    from nlptk.progress import make_progress

    config = DiscoveryConfig(
        order=order,
        min_count=min_count,
        thresholds=floats("--thresholds", thresholds),
        latin=latin.value,
        memory=parse_memory(memory),
        encoding_errors=encoding_errors.value,
        reject_fragments=not keep_fragments,
        compounds=units is opt.Units.compounds,
        single_entropies=min_len <= 1,
    )
    if cluster is not None:
        check_address(cluster)
    selection = WordSelection(min_len=min_len, max_len=max_len, top=top, sort=sort.value)
    compare = None
    if baseline:
        given = {name: value for name, value in (("min_llr", min_llr), ("min_ratio", min_ratio)) if value is not None}
        compare = BaselineConfig(latin=latin.value, encoding_errors=encoding_errors.value, **given)
        check_baselines(inputs, baseline, latin.value)  # a bad baseline fails before the discovery, not after
    elif min_llr is not None or min_ratio is not None:
        raise OptionError("min_llr" if min_llr is not None else "min_ratio", "needs --baseline")
    excluded = [word_set(spec) for spec in exclude or []]
    progress = make_progress(quiet)
    try:
        words = discover_words(inputs, config, progress, cluster)
        if compare is not None:
            candidates = list(replace(selection, top=0).select(words, excluded))  # --top applies to the ranking
            rows, summary = _rising_rows(candidates, inputs, baseline or [], compare, progress)
            rows = rows[:top] if top else rows
    finally:
        progress.close()
    if compare is None:
        rows = [(_word_values(w), ()) for w in selection.select(words, excluded)]
    elif not quiet:
        typer.echo(summary, err=True)
    _write(rows, COLUMNS + (BASELINE_COLUMNS if compare is not None else ()), output, output_format, header)


Row = tuple[tuple, tuple]  # (the word's values, the baseline's values)


def _word_values(word: Word) -> tuple[str, int, float, float, float, float]:
    return (word.word, word.count, word.cohesion, word.left_entropy, word.right_entropy, word.score)


def _rising_rows(
    candidates: list[Word], inputs: list[str], baseline: list[str], config: BaselineConfig, progress: Progress
) -> tuple[list[Row], str]:
    """The rows of the candidates that rose against ``baseline``, best first, and a summary line."""
    from nlptk.newwords import rising_words

    comparison = rising_words(candidates, inputs, baseline, config, progress)
    summary = (
        f"{len(comparison.words):,} of {len(candidates):,} words rose {config.min_ratio:g}-fold or more with "
        f"G² ≥ {config.min_llr:g}: {comparison.input_chars:,} characters against {comparison.baseline_chars:,}"
    )
    return [(_word_values(r.word), (r.occurrences, r.baseline_count, r.llr)) for r in comparison.words], summary


def _write(
    rows: list[Row], columns: tuple[str, ...], output: Path | None, output_format: opt.Format, header: bool
) -> None:
    """Rows as TSV (counts as integers, statistics with three decimals) or JSONL."""
    from nlptk.io import atomic_output

    with atomic_output(output) as out:
        if header and output_format is opt.Format.tsv:
            out.write("\t".join(columns) + "\n")
        for values, extra in rows:
            if output_format is opt.Format.jsonl:
                fields = (*values[:2], *map(finite, values[2:]), *extra[:2], *map(finite, extra[2:]))
                out.write(json.dumps(dict(zip(columns, fields, strict=True)), ensure_ascii=False) + "\n")
            else:
                fields = (*map(str, values[:2]), *map(_tsv_number, values[2:]), *map(str, extra[:2]))
                out.write("\t".join((*fields, *map(_tsv_number, extra[2:]))) + "\n")


def _tsv_number(value: float) -> str:
    """Three decimals; an undefined value (the cohesion of one character) is an empty field."""
    return "" if math.isnan(value) else f"{value:.3f}"
