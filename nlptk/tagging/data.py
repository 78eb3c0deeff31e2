"""Training and evaluation data for the tagger: (text, tags) examples from the supported formats.

- ``seg``: one sentence per line, words separated by whitespace -> BMES tags.
- ``ner``: ``char<TAB>tag`` (or ``char tag``) per line, a blank line between sentences.
- ``pos``: CoNLL-U (``id word lemma UPOS ...``), a blank line between sentences -> BMES tags
  typed by the UPOS tag (B-NOUN, E-NOUN, S-VERB, ...): joint segmentation and tagging.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from nlptk.errors import NlptkError
from nlptk.io import read_lines, resolve_inputs
from nlptk.tagging.schemes import split_tag, word_tags

TASKS = ("seg", "ner", "pos")
SENTENCE_END = set("。！？!?；;")


@dataclass(frozen=True)
class Example:
    text: str
    tags: tuple[str, ...]


def read_examples(task: str, paths: Iterable[str]) -> list[Example]:
    """Examples of ``task`` from the files at ``paths``."""
    if task not in TASKS:
        raise NlptkError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")
    lines = read_lines(resolve_inputs(list(paths)))
    reader = {"seg": _segmented, "ner": _char_columns, "pos": _conllu}[task]
    examples = [e for e in reader(lines) if e.text]
    if not examples:
        raise NlptkError(f"no {task} examples found in {', '.join(paths)}")
    return examples


def _segmented(lines: Iterable[str]) -> Iterator[Example]:
    for line in lines:
        words = line.split()
        yield Example("".join(words), tuple(word_tags(len(w) for w in words)))


def _blocks(lines: Iterable[str]) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    for line in lines:
        fields = line.split()
        if not fields:
            if block:
                yield block
            block = []
        elif not line.startswith("#"):
            block.append(fields)
    if block:
        yield block


def _char_columns(lines: Iterable[str]) -> Iterator[Example]:
    for number, block in enumerate(_blocks(lines), 1):
        if any(len(fields) < 2 or len(fields[0]) != 1 for fields in block):
            raise NlptkError(f"sentence {number}: expected one 'character<TAB>tag' per line")
        yield Example("".join(f[0] for f in block), tuple(f[-1] for f in block))


def _conllu(lines: Iterable[str]) -> Iterator[Example]:
    for number, block in enumerate(_blocks(lines), 1):
        rows = [f for f in block if f[0].isdigit()]  # skip multiword-token ranges such as 1-2
        if any(len(f) < 4 for f in rows):
            raise NlptkError(f"sentence {number}: expected CoNLL-U rows 'id word lemma UPOS ...'")
        words = [f[1] for f in rows]
        yield Example("".join(words), tuple(word_tags((len(w) for w in words), (f[3] for f in rows))))


def split_holdout(examples: list[Example], size: int, seed: int) -> tuple[list[Example], list[Example]]:
    """``size`` examples drawn at random (by ``seed``) as dev; the rest, in order, for training."""
    chosen = set(random.Random(seed).sample(range(len(examples)), size))
    train = [e for i, e in enumerate(examples) if i not in chosen]
    dev = [e for i, e in enumerate(examples) if i in chosen]
    return train, dev


def chunk_example(example: Example, max_len: int) -> list[Example]:
    """Cut a long example at span boundaries (after sentence punctuation when possible)."""
    text, tags = example.text, example.tags
    out: list[Example] = []
    start = 0
    while len(text) - start > max_len:
        limit = start + max_len
        boundaries = [i for i in range(start + 1, limit + 1) if split_tag(tags[i])[0] in {"B", "S", "O"}]
        after_punct = [i for i in boundaries if text[i - 1] in SENTENCE_END]
        cut = (after_punct or boundaries or [limit])[-1]
        out.append(Example(text[start:cut], tags[start:cut]))
        start = cut
    out.append(Example(text[start:], tags[start:]))
    return out
