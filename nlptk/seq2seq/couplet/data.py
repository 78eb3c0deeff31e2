"""Couplet data: pairs of first and second lines, and the checks a first line must pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlptk.errors import NlptkError
from nlptk.io import EncodingErrors, read_lines, resolve_inputs
from nlptk.text import CharClass, char_class

Pair = tuple[str, str]


def is_punctuation(char: str) -> bool:
    """Characters copied in place into the second line (not Han, letters or digits)."""
    return char_class(char) in (CharClass.PUNCT, CharClass.SYMBOL, CharClass.OTHER)


def clean_line(line: str) -> str:
    """A first line as the model reads it: whitespace removed (the data separates characters by spaces)."""
    return "".join(line.split())


def check_line(line: str, max_len: int) -> str | None:
    """Why ``line`` (cleaned) cannot be answered, or None when it can."""
    if not line:
        return "empty line"
    if len(line) > max_len:
        return f"line of {len(line)} characters; the model allows at most {max_len}"
    foreign = [c for c in line if char_class(c) in (CharClass.LATIN, CharClass.DIGIT)]
    if foreign or not any(char_class(c) == CharClass.HAN for c in line):
        return "not Chinese text (a couplet line is Chinese characters and punctuation)"
    return None


def read_pairs(path: str | Path, encoding_errors: EncodingErrors = "strict") -> list[Pair]:
    """Pairs from ``上联<TAB>=><TAB>下联`` lines (characters may be space-separated)."""
    pairs = []
    for number, line in enumerate(read_lines(resolve_inputs([str(path)]), encoding_errors), 1):
        if not line.strip():
            continue
        parts = [p for p in line.split("\t") if p.strip() != "=>"]
        if len(parts) != 2:
            raise NlptkError(f"{path}:{number}: expected 'first<TAB>=><TAB>second' or 'first<TAB>second'")
        pairs.append((clean_line(parts[0]), clean_line(parts[1])))
    return pairs


def read_parallel(first: str | Path, second: str | Path, encoding_errors: EncodingErrors = "strict") -> list[Pair]:
    """Pairs from two aligned files, one line each (``train.in.txt`` / ``train.out.txt``)."""
    firsts = [clean_line(x) for x in read_lines(resolve_inputs([str(first)]), encoding_errors)]
    seconds = [clean_line(x) for x in read_lines(resolve_inputs([str(second)]), encoding_errors)]
    if len(firsts) != len(seconds):
        raise NlptkError(f"{first} has {len(firsts)} lines but {second} has {len(seconds)}")
    return list(zip(firsts, seconds, strict=True))


def usable_pairs(pairs: Sequence[Pair], max_len: int) -> list[Pair]:
    """Pairs of equal, non-zero length up to ``max_len`` (the few misaligned ones are dropped)."""
    return [(a, b) for a, b in pairs if a and len(a) == len(b) and len(a) <= max_len]
