"""Tests for nlptk.lexicon: the Lexicon store and the unigram max-probability segmenter."""

from __future__ import annotations

import importlib.util
import math
import sys
from itertools import combinations, pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlptk.errors import NlptkError
from nlptk.io import read_lines, resolve_inputs
from nlptk.lexicon import Lexicon, segment, segment_lines


@pytest.fixture
def lex() -> Lexicon:
    return Lexicon.from_counts(
        {"研究": 50, "研究生": 10, "生命": 40, "命": 5, "起源": 30, "研": 1, "究": 1, "生": 5, "起": 1, "源": 1}
    )


def test_basic_queries(lex: Lexicon) -> None:
    assert len(lex) == 10
    assert lex.total == 144
    assert "研究生" in lex and "研究生命" not in lex and 3 not in lex
    assert lex.count("生命") == 40 and lex.count("不在") == 0
    assert sorted(lex.words()) == sorted(dict(lex.items()))
    assert lex.prefixes("我研究生命", 1) == ["研", "研究", "研究生"]
    assert lex.prefixes("我研究生命", 0) == []
    assert lex.max_word_length == 3


def test_from_counts_pairs_add_up() -> None:
    lex = Lexicon.from_counts([("中国", 2), ("中国", 3), ("人", 1), ("", 9)])
    assert lex.count("中国") == 5 and len(lex) == 2 and lex.total == 6


def test_from_counts_rejects_bad_words() -> None:
    with pytest.raises(NlptkError, match="whitespace"):
        Lexicon.from_counts({"中 国": 1})
    with pytest.raises(NlptkError, match="negative"):
        Lexicon.from_counts({"中国": -1})


def test_dp_picks_max_probability_path(lex: Lexicon) -> None:
    # 研究·生命 (50·40) beats 研究生·命 (10·5); maximal matching would take 研究生.
    assert segment("研究生命起源", lex) == ["研究", "生命", "起源"]
    flipped = Lexicon.from_counts({"研究": 5, "研究生": 100, "生命": 2, "命": 50, "起源": 30})
    assert segment("研究生命起源", flipped) == ["研究生", "命", "起源"]


def test_unknown_characters_become_single_words() -> None:
    lex = Lexicon.from_counts({"你好": 10})
    assert segment("你好世界", lex) == ["你好", "世", "界"]
    assert segment("世界", Lexicon.from_counts({})) == ["世", "界"]


def test_unknown_char_is_penalised_but_possible() -> None:
    # 北京 ≈ 1/2 beats 北 + unknown 京 ≈ (1/2)·(1/total).
    lex = Lexicon.from_counts({"北京": 1, "北": 1})
    assert segment("北京", lex) == ["北京"]


def test_latin_digit_runs_punctuation_and_space() -> None:
    lex = Lexicon.from_counts({"手机": 10, "买": 5, "了": 5, "年": 5})
    assert segment("买了iPhone15手机", lex) == ["买", "了", "iPhone15", "手机"]
    assert segment("2019年", lex) == ["2019", "年"]
    assert segment("手机，买了！😀 a b\t手机", lex) == ["手机", "，", "买", "了", "！", "😀", "a", "b", "手机"]
    assert segment("", lex) == [] and segment("  \n", lex) == []


def test_segment_lines(lex: Lexicon) -> None:
    assert list(segment_lines(["研究生命", "", "起源 ok"], lex)) == ["研究 生命", "", "起源 ok"]


def _brute_force_best(text: str, lex: Lexicon) -> float:
    """The best total log-probability over every way to cut ``text`` (the DP's definition)."""
    unknown = -math.log(max(lex.total, 1))

    def piece_score(i: int, j: int) -> float | None:
        word = text[i:j]
        if word in lex:
            return math.log(max(lex.count(word), 1)) - math.log(lex.total)
        if j == i + 1 and not lex.prefixes(text, i):
            return unknown
        return None

    n = len(text)
    best = -math.inf
    for k in range(n):
        for cuts in combinations(range(1, n), k):
            bounds = (0, *cuts, n)
            scores = [piece_score(a, b) for a, b in pairwise(bounds)]
            if all(s is not None for s in scores):
                best = max(best, sum(scores))  # type: ignore[arg-type]
    return best


HAN = "天地人和平安"


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(HAN, min_size=1, max_size=3), st.integers(1, 50), max_size=12),
    st.text(HAN, min_size=1, max_size=8),
)
def test_dp_matches_brute_force(counts: dict[str, int], text: str) -> None:
    lex = Lexicon.from_counts(counts)
    words = segment(text, lex)
    assert "".join(words) == text
    unknown = -math.log(max(lex.total, 1))
    got = 0.0
    pos = 0
    for word in words:
        got += math.log(max(lex.count(word), 1)) - math.log(lex.total) if word in lex else unknown
        pos += len(word)
    assert got == pytest.approx(_brute_force_best(text, lex))


MIXED = st.text("中国人民天安门北京abcXYZ019０１，。！?、😀𠀀 \t\u3000\n-", max_size=40)


@settings(max_examples=200, deadline=None)
@given(MIXED)
def test_join_invariant(text: str) -> None:
    lex = Lexicon.from_counts({"中国": 5, "人民": 4, "中国人": 2, "天安门": 3, "北京": 3, "国": 1})
    words = segment(text, lex)
    assert "".join(words) == "".join(text.split())
    assert all(words) and not any(ch.isspace() for w in words for ch in w)


def test_save_load_round_trip(tmp_path: Path) -> None:
    lex = Lexicon.from_counts({"中国": 7, "人民": 12, "北京": 7, "门": 1})
    path = tmp_path / "dict.txt"
    lex.save(path)
    lines = list(read_lines(resolve_inputs([str(path)])))
    assert lines[:4] == ["人民 12", "中国 7", "北京 7", "门 1"]
    again = Lexicon.load(path)
    assert dict(again.items()) == dict(lex.items()) and again.total == lex.total


def test_load_jieba_format(tmp_path: Path) -> None:
    path = tmp_path / "user.dict"
    path.write_bytes("\ufeff云计算 5 n\r\n\r\n韩玉鉴赏\r\n蓝翔 3\r\n".encode())
    lex = Lexicon.load(path)
    assert dict(lex.items()) == {"云计算": 5, "韩玉鉴赏": 1, "蓝翔": 3}


def test_load_bad_frequency_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.dict"
    path.write_text("好 3\n坏 x3 n\n", encoding="utf-8")
    with pytest.raises(NlptkError, match=r"bad\.dict: line 2: frequency 'x3'"):
        Lexicon.load(path)


def test_load_missing_file() -> None:
    with pytest.raises(NlptkError, match="no such file"):
        Lexicon.load("/nonexistent/lexicon.txt")


@pytest.mark.skipif(importlib.util.find_spec("jieba") is None, reason="jieba is not installed")
def test_jieba_lexicon_without_importing_jieba() -> None:
    already = "jieba" in sys.modules
    lex = Lexicon.open("jieba")
    assert lex is Lexicon.jieba()  # cached
    assert len(lex) > 300_000 and lex.count("中国") > 0
    assert lex.prefixes("中华人民共和国", 0)[-1] == "中华人民共和国"
    assert segment("我们在北京天安门", lex) == ["我们", "在", "北京", "天安门"]
    if not already:
        assert "jieba" not in sys.modules


def test_a_word_with_a_nul_character_is_refused() -> None:
    with pytest.raises(NlptkError, match="NUL"):
        Lexicon.from_counts({"\x00\x00": 1, "北京": 2})


def test_newwords_tsv_is_a_lexicon(tmp_path: Path) -> None:
    """``nlptk newwords -o words.tsv`` (with or without --header) feeds ``--lexicon`` directly."""
    path = tmp_path / "words.tsv"
    path.write_text("word\tcount\tcohesion\n青禾镇\t12\t5.100\n好\t3\t\n", encoding="utf-8")
    lexicon = Lexicon.load(path)
    assert sorted(lexicon.items()) == [("好", 3), ("青禾镇", 12)]
    path.write_text("广州 12 ns extra\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="line 1: 4 fields"):
        Lexicon.load(path)
