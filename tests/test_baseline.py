"""Tests for ``nlptk newwords --baseline``: words whose frequency rose against an older corpus."""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import filler_chars, invoke, one_line_error, usage_error

from nlptk.errors import OptionError
from nlptk.io import resolve_inputs
from nlptk.newwords import BaselineConfig
from nlptk.newwords.baseline import count_occurrences, log_likelihood

NEW = ["区块链", "元宇宙", "人工智能", "新冠", "核酸检测"]  # planted in the input only
STEADY = "蝴蝶"  # planted at the same rate in both corpora
MIN_COUNT = "5"


def _corpora(seed: int = 11, lines: int = 4000) -> tuple[str, str]:
    """(baseline, input): the same random lines, the input with the new words inserted into them."""
    rng = random.Random(seed)
    planted = set("".join(NEW) + STEADY)
    filler = filler_chars(800, "".join(planted))
    baseline, current = [], []
    for _ in range(lines):
        tokens = [STEADY if rng.random() < 0.02 else rng.choice(filler) for _ in range(rng.randint(4, 12))]
        baseline.append("".join(tokens))
        if rng.random() < 0.05:  # about 40 times each: rare enough to be cohesive
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(NEW))
        current.append("".join(tokens))
    return "\n".join(baseline) + "\n", "\n".join(current) + "\n"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("baseline")
    baseline_text, input_text = _corpora()
    (folder / "old.txt").write_text(baseline_text, encoding="utf-8")
    (folder / "new.txt").write_text(input_text, encoding="utf-8")
    return folder / "old.txt", folder / "new.txt"


def _rows(result) -> list[list[str]]:
    assert result.returncode == 0, result.stderr.decode()
    return [line.split("\t") for line in result.stdout.decode().splitlines()]


def test_g2_of_a_hand_computed_table() -> None:
    # 10 of 1000 against 0 of 1000: expected 5 and 5, 995 and 995;
    # G² = 2·(10·ln 2 + 990·ln(990/995) + 1000·ln(1000/995)) = 13.9132.
    assert log_likelihood(np.array([10]), 1000, np.array([0]), 1000)[0] == pytest.approx(13.9132, abs=1e-4)
    # A fall is negative, equal shares are 0.
    assert log_likelihood(np.array([0]), 1000, np.array([10]), 1000)[0] == pytest.approx(-13.9132, abs=1e-4)
    assert log_likelihood(np.array([20]), 2000, np.array([10]), 1000)[0] == 0


def test_new_words_come_first_and_the_steady_one_not_at_all(corpora: tuple[Path, Path]) -> None:
    old, new = corpora
    plain = {row[0] for row in _rows(invoke("newwords", new, "--min-count", MIN_COUNT, "-q"))}
    assert set(NEW) | {STEADY} <= plain  # discovery finds them all: the baseline decides
    rows = _rows(invoke("newwords", new, "--baseline", old, "--min-count", MIN_COUNT, "-q", "--min-ratio", "1"))
    assert {row[0] for row in rows[: len(NEW)]} == set(NEW)
    assert all(row[7] == "0" for row in rows[: len(NEW)])  # absent from the baseline
    assert STEADY not in {row[0] for row in rows}
    llr = [float(row[8]) for row in rows]
    assert llr == sorted(llr, reverse=True) and min(llr) >= BaselineConfig().min_llr
    # --top takes the first of the ranking, not of the candidates (the most frequent of which is STEADY).
    top = _rows(
        invoke("newwords", new, "--baseline", old, "--min-count", MIN_COUNT, "-q", "--min-ratio", "1", "--top", "2")
    )
    assert top == rows[:2]


def test_g2_column_matches_the_formula(corpora: tuple[Path, Path]) -> None:
    old, new = corpora
    n1_total = sum(len(line) for line in new.read_text(encoding="utf-8").split())
    n2_total = sum(len(line) for line in old.read_text(encoding="utf-8").split())
    result = invoke("newwords", new, "--baseline", old, "--min-count", MIN_COUNT, "--format", "jsonl")
    assert f"{n1_total:,} characters against {n2_total:,}" in result.stderr.decode()
    record = json.loads(result.stdout.decode().splitlines()[0])
    assert record["occurrences"] == new.read_text(encoding="utf-8").count(record["word"])
    n1, n2 = record["occurrences"], record["baseline_count"]
    assert n2 == 0
    e1, e2 = n1 * n1_total / (n1_total + n2_total), n1 * n2_total / (n1_total + n2_total)
    g2 = 2 * (n1 * math.log(n1 / e1) + (n1_total - n1) * math.log((n1_total - n1) / (n1_total - e1)))
    g2 += 2 * n2_total * math.log(n2_total / (n2_total - e2))
    assert record["llr"] == pytest.approx(g2, abs=1e-4)  # JSONL rounds to 4 decimals


def test_table_baseline_ranks_like_the_corpus(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = corpora
    table = tmp_path / "old.ngt"
    assert invoke("count", old, "-o", table, "-q").returncode == 0
    args = ("--min-count", MIN_COUNT, "--max-len", "4", "--min-ratio", "1", "-q")
    from_corpus = _rows(invoke("newwords", new, "--baseline", old, *args))
    from_table = _rows(invoke("newwords", new, "--baseline", table, *args))
    assert from_table == from_corpus and len(from_corpus) >= len(NEW)


def test_occurrences_overlap_and_span_chunks(tmp_path: Path) -> None:
    text = "啊啊啊啊，区块链区块链\n区块" * 40 + "链"
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    words = ["啊啊", "区块链", "链区"]
    expected = [sum(text.startswith(w, i) for i in range(len(text))) for w in words]
    for chunk_bytes in (1, 5, 64, 1 << 20):
        counts, chars = count_occurrences(words, resolve_inputs([str(path)]), BaselineConfig(), chunk_bytes=chunk_bytes)
        assert counts.tolist() == expected
        assert chars == len(text) - text.count("，") - text.count("\n")


def test_config_ranges() -> None:
    for bad in ({"min_llr": -1.0}, {"min_llr": math.inf}, {"min_ratio": 0.5}, {"min_ratio": math.nan}):
        with pytest.raises(OptionError):
            BaselineConfig(**bad)


def test_bad_baselines_are_one_line_errors(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = corpora
    one_line_error(invoke("newwords", new, "--baseline", tmp_path / "missing.txt"), "missing.txt", "no such file")
    one_line_error(invoke("newwords", new, "--baseline", tmp_path), "is a directory")
    damaged = tmp_path / "damaged.ngt"
    damaged.write_bytes(b"NLPTKNG1" + struct.pack("<Q", 5) + b"{bad}")
    one_line_error(invoke("newwords", new, "--baseline", damaged, "--min-count", MIN_COUNT), "damaged.ngt")
    empty = tmp_path / "punctuation.txt"
    empty.write_text("，。！\n", encoding="utf-8")
    one_line_error(invoke("newwords", new, "--baseline", empty, "--min-count", MIN_COUNT), "baseline holds no text")
    usage_error(invoke("newwords", new, "--baseline", old, "--min-llr", "-1"), "--min-llr")
    usage_error(invoke("newwords", new, "--baseline", old, "--min-ratio", "0"), "--min-ratio")
    usage_error(invoke("newwords", new, "--min-llr", "20"), "--min-llr", "needs --baseline")
    usage_error(invoke("newwords", "-", "--baseline", old, stdin=b"abc\n"), "--baseline", "stdin")
    table = tmp_path / "drop.ngt"
    assert invoke("count", old, "-o", table, "--latin", "drop", "-q").returncode == 0
    usage_error(invoke("newwords", new, "--baseline", table, "--min-count", MIN_COUNT), "--baseline", "--latin drop")
