"""Training and evaluation data for the tagger: (text, tags) examples from the supported formats.

- ``seg``: one sentence per line, words separated by whitespace -> BMES tags.
- ``ner``: ``char<TAB>tag`` (or ``char tag``) per line, a blank line between sentences.
- ``pos``: CoNLL-U (``id word lemma UPOS ...``), a blank line between sentences -> BMES tags
  typed by the UPOS tag (B-NOUN, E-NOUN, S-VERB, ...): joint segmentation and tagging.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from nlptk.checks import at_least, between, one_of
from nlptk.errors import NlptkError, OptionError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs
from nlptk.tagging.schemes import split_tag, word_tags

TASKS = ("seg", "ner", "pos")
FORMATS = {
    "seg": "one sentence per line, words separated by spaces",
    "ner": "one 'character<TAB>tag' per line (tags B-, I-, M-, E-, S- or O), a blank line between sentences",
    "pos": "CoNLL-U rows 'id word lemma UPOS ...', a blank line between sentences",
}
SENTENCE_END = set("。！？!?；;")
PREFIXES = frozenset("OBIMES")


@dataclass(frozen=True)
class Example:
    text: str
    tags: tuple[str, ...]
    standard: int = 0  # the segmentation standard it follows (an index into the model's standards)


class _FormatError(Exception):
    """A line that does not fit the task's format (``read_examples`` adds the file's name)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line


def read_examples(task: str, paths: Iterable[str], encoding_errors: EncodingErrors = "strict") -> list[Example]:
    """Examples of ``task`` from the files at ``paths``; a file that does not fit the task's
    format is refused with its name, the line and the expected format."""
    one_of("task", task, TASKS)
    reader = {"seg": _segmented, "ner": _char_columns, "pos": _conllu}[task]
    examples: list[Example] = []
    for source in resolve_inputs(list(paths)):
        lines = read_lines([source], encoding_errors)
        try:
            found = [e for e in reader(lines) if e.text]
        except _FormatError as exc:
            raise NlptkError(f"{source.name}: line {exc.line}: {exc} (a {task} file has {FORMATS[task]})") from None
        if not found:
            raise NlptkError(f"{source.name}: no {task} examples ({FORMATS[task]} expected)")
        examples += found
    return examples


def _segmented(lines: Iterable[str]) -> Iterator[Example]:
    for line in lines:
        words = line.split()
        yield Example("".join(words), tuple(word_tags(len(w) for w in words)))


def _blocks(lines: Iterable[str]) -> Iterator[list[tuple[int, list[str]]]]:
    """Blank-line separated blocks of ``(line number, fields)``; comment lines are skipped."""
    block: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            if block:
                yield block
            block = []
        elif not line.startswith("#"):
            block.append((number, fields))
    if block:
        yield block


def _char_columns(lines: Iterable[str]) -> Iterator[Example]:
    for block in _blocks(lines):
        for number, fields in block:
            if len(fields) < 2 or len(fields[0]) != 1 or split_tag(fields[-1])[0] not in PREFIXES:
                raise _FormatError(number, f"expected 'character<TAB>tag', not {' '.join(fields)[:40]!r}")
        yield Example("".join(f[0] for _, f in block), tuple(f[-1] for _, f in block))


def _conllu(lines: Iterable[str]) -> Iterator[Example]:
    for block in _blocks(lines):
        rows = []
        for number, fields in block:
            token_id = fields[0].replace("-", "").replace(".", "")
            if len(fields) < 4 or not (token_id.isascii() and token_id.isdigit()):
                raise _FormatError(number, f"expected a CoNLL-U row, not {' '.join(fields)[:40]!r}")
            if fields[0].isdigit():  # skip multiword-token ranges (1-2) and empty nodes (1.1)
                rows.append(fields)
        words = [f[1] for f in rows]
        yield Example("".join(words), tuple(word_tags((len(w) for w in words), (f[3] for f in rows))))


STANDARD_NAME = re.compile(r"[a-z][a-z0-9_]*")


def standard_names(task: str, specs: Sequence[str]) -> list[str]:
    """The segmentation standards of training files given as ``NAME=FILE`` (in order, each once),
    or none when every file is plain (a model of one standard)."""
    named = [name for name, _ in map(_standard_spec, specs) if name is not None]
    if named and len(named) != len(specs):
        raise OptionError("train", "either every file is NAME=FILE (several standards) or none is")
    if named and task != "seg":
        raise OptionError("task", "only segmentation models know several standards (NAME=FILE)")
    return list(dict.fromkeys(named))


def read_standard_examples(
    task: str, specs: Sequence[str], standards: Sequence[str], encoding_errors: EncodingErrors = "strict"
) -> list[Example]:
    """The examples of ``specs`` (``NAME=FILE`` of one of ``standards``, or plain files when there are
    none), each with the index of its standard."""
    examples: list[Example] = []
    for name, path in map(_standard_spec, specs):
        if (name is None) != (not standards) or (name is not None and name not in standards):
            known = ", ".join(standards) or "none: plain files"
            raise OptionError("dev", f"{name or path!r} is not of a standard of the training files ({known})")
        index = standards.index(name) if name is not None else 0
        examples += [replace(e, standard=index) for e in read_examples(task, [path], encoding_errors)]
    return examples


def _standard_spec(spec: str) -> tuple[str | None, str]:
    """``(name, path)`` of ``NAME=FILE``; ``(None, spec)`` of a plain file (or a path with = in it)."""
    name, sep, path = spec.partition("=")
    if sep and STANDARD_NAME.fullmatch(name) and not os.path.exists(spec):
        return name, path
    return None, spec


def split_holdout(examples: list[Example], size: int, seed: int) -> tuple[list[Example], list[Example]]:
    """``size`` examples drawn at random (by ``seed``) as dev; the rest, in order, for training."""
    between("holdout", size, 1, len(examples) - 1)
    chosen = set(random.Random(seed).sample(range(len(examples)), size))
    train = [e for i, e in enumerate(examples) if i not in chosen]
    dev = [e for i, e in enumerate(examples) if i in chosen]
    return train, dev


def chunk_example(example: Example, max_len: int) -> list[Example]:
    """Cut a long example at span boundaries (after sentence punctuation when possible)."""
    at_least("max_len", max_len, 1)
    text, tags = example.text, example.tags
    out: list[Example] = []
    start = 0
    while len(text) - start > max_len:
        limit = start + max_len
        boundaries = [i for i in range(start + 1, limit + 1) if split_tag(tags[i])[0] in {"B", "S", "O"}]
        after_punct = [i for i in boundaries if text[i - 1] in SENTENCE_END]
        cut = (after_punct or boundaries or [limit])[-1]
        out.append(replace(example, text=text[start:cut], tags=tags[start:cut]))
        start = cut
    out.append(replace(example, text=text[start:], tags=tags[start:]))
    return out
