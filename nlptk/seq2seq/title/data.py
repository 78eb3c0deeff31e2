"""Articles and titles: JSONL stories (``content`` / ``title``), CSL's TSV, or plain lines; the
lead baseline."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs
from nlptk.text import sentences

LEAD_CHARS = 30


@dataclass
class Article:
    text: str
    title: str = ""  # the gold title, when known
    error: str | None = None  # why the article cannot be read (batch mode reports it and goes on)


def clean_article(text: str) -> str:
    """An article as the model reads it: lines joined, runs of whitespace squeezed to one space."""
    return " ".join(text.split())


def parse_record(line: str, field: str | None, title_field: str | None = None) -> Article:
    """One input line: plain text, or (``field`` given) a JSON object holding the article text."""
    if field is None:
        return Article(clean_article(line))
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Article("", error=f"not JSON ({exc.msg})")
    if not isinstance(record, dict) or not isinstance(record.get(field), str):
        return Article("", error=f"no text field {field!r}")
    title = record.get(title_field, "") if title_field else ""
    return Article(clean_article(record[field]), title if isinstance(title, str) else "")


def read_articles(
    paths: Iterable[str],
    field: str | None = None,
    title_field: str | None = None,
    encoding_errors: EncodingErrors = "strict",
) -> Iterator[Article]:
    """Articles, one per non-blank line of ``paths`` (``-``: stdin)."""
    for line in read_lines(resolve_inputs(paths), encoding_errors):
        if line.strip():
            yield parse_record(line, field, title_field)


def read_examples(path: str, encoding_errors: EncodingErrors = "strict") -> list[Article]:
    """Articles with gold titles: JSONL with ``content``/``title`` (``.jsonl``) or CSL's
    ``prompt<TAB>abstract<TAB>title`` lines (``.tsv``)."""
    if path.endswith(".tsv"):
        examples = []
        for number, line in enumerate(read_lines(resolve_inputs([path]), encoding_errors), 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise NlptkError(f"{path}:{number}: expected prompt<TAB>abstract<TAB>title")
            examples.append(Article(clean_article(parts[1]), parts[2].strip()))
        return examples
    examples = list(read_articles([path], "content", "title", encoding_errors))
    for number, example in enumerate(examples, 1):
        if example.error:
            raise NlptkError(f"{path}: record {number}: {example.error}")
    return [e for e in examples if e.text and e.title]


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The lead baseline: the article's first sentence, cut to ``limit`` characters."""
    first = next(iter(sentences(text)), text)
    return first[:limit]
