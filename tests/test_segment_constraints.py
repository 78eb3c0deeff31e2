"""The model segmenter's hard rules: user words whole, Latin/Han boundaries, whitespace, long lines."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import DATA, needs_data, run_nlptk

from nlptk.tagging.segmenter import (
    UserDict,
    bounded_pieces,
    load_segmenter,
    segment_lines,
    segment_stream,
    segment_texts,
)

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "sample.txt"


@pytest.fixture(scope="module")
def model():
    return load_segmenter()


def word_spans(words: list[str]) -> set[tuple[int, int]]:
    spans, at = set(), 0
    for word in words:
        spans.add((at, at + len(word)))
        at += len(word)
    return spans


def occurrences(line: str, words: set[str]) -> list[tuple[int, int]]:
    """Every (start, end) where a word of ``words`` occurs in ``line``, by brute force."""
    found = set()
    for word in words:
        at = line.find(word)
        while at >= 0:
            found.add((at, at + len(word)))
            at = line.find(word, at + 1)
    return sorted(found)


def leftmost_longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    chosen, reached = [], 0
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= reached:
            chosen.append((start, end))
            reached = end
    return chosen


def random_user_words(lines: list[str], count: int, seed: int) -> set[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < count:
        line = rng.choice(lines)
        length = rng.randint(2, 6)
        if len(line) > length:
            start = rng.randrange(len(line) - length + 1)
            words.add(line[start : start + length])
    return words


def check_user_words_whole(model, lines: list[str], seed: int) -> None:
    words = random_user_words(lines, 1000, seed)
    segmented = list(segment_texts(model, lines, UserDict(words)))
    alone = checked = 0
    for line, out in zip(lines, segmented, strict=True):
        assert "".join(out) == line
        spans = word_spans(out)
        found = occurrences(line, words)
        for start, end in leftmost_longest(found):  # the documented rule among overlaps
            assert (start, end) in spans, (line[start:end], out)
            checked += 1
        for start, end in found:  # an occurrence that overlaps no other one is always whole
            if not any(s < end and start < e and (s, e) != (start, end) for s, e in found):
                assert (start, end) in spans, (line[start:end], out)
                alone += 1
    assert checked > 200 and alone > 5, (checked, alone)  # the test really checked something


def test_every_user_word_occurrence_is_one_word(model) -> None:
    lines = [line.strip() for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    check_user_words_whole(model, lines, seed=1)


@needs_data
def test_user_words_whole_on_the_pku_test_text(model) -> None:
    text = (DATA / "cws" / "pku" / "pku_test.utf8").read_text(encoding="utf-8")
    lines = ["".join(line.split()) for line in text.splitlines()[:300] if line.strip()]
    check_user_words_whole(model, lines, seed=2)


def test_user_dict_overlaps_go_leftmost_then_longest() -> None:
    user = UserDict(["ab", "abcd", "bcdef", "cd", "x", "bc"])
    assert user.occurrences("abcdefx") == [(0, 4), (6, 7)]
    assert user.occurrences("abcx") == [(0, 2), (3, 4)]
    assert user.occurrences("zbcdefg") == [(1, 6)]
    assert UserDict([]).occurrences("abc") == []


def test_user_dict_keeps_a_word_the_model_splits(model) -> None:
    assert next(segment_texts(model, ["茶农们来了"])) != ["茶农们", "来", "了"]
    assert next(segment_texts(model, ["茶农们来了"], UserDict(["茶农们"])))[0] == "茶农们"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我爱Python和C++", ["我", "爱", "Python", "和", "C++"]),
        ("圆周率是3.14，iPhone15很贵", ["圆周率", "是", "3.14", "，", "iPhone15", "很", "贵"]),
        ("发邮件到a-b@x.com吧", ["发", "邮件", "到", "a-b@x.com", "吧"]),
    ],
)
def test_latin_runs_stay_whole_and_never_join_han(model, text: str, expected: list[str]) -> None:
    assert next(segment_texts(model, [text])) == expected


def test_latin_and_han_never_share_a_word(model) -> None:
    lines = ["A股上涨了", "打卡拉OK的人", "用GPU训练模型", "甲A联赛，CBA开赛"]
    for words in segment_texts(model, lines):
        for word in words:
            has_han = any("\u4e00" <= c <= "\u9fff" for c in word)
            has_latin = any(c.isascii() and c.isalpha() for c in word)
            assert not (has_han and has_latin), words
    assert next(segment_texts(model, ["1月27日"])) == ["1月", "27日"]  # digits may join 年/月/日


def test_whitespace_is_never_a_token_and_no_token_is_empty(model) -> None:
    lines = ["识通灵　贾雨村风尘", " a  b ", "空\x00字", "\u3000", "", "x\ty"]
    out = list(segment_lines(model, lines))
    assert len(out) == len(lines)
    for line, segmented in zip(lines, out, strict=True):
        words = segmented.split(" ") if segmented else []
        assert all(words), repr(segmented)
        assert not any(c.isspace() for word in words for c in word), repr(segmented)
        assert "".join(words) == "".join(line.split())
    words = out[0].split()
    assert words[:3] == ["识", "通灵", "贾"] and "".join(words[3:]) == "雨村风尘"  # the full-width space separates runs


def test_long_lines_are_cut_into_bounded_pieces() -> None:
    line = "今天天气很好。我们去公园散步吧 " * 50 + "没有标点" * 40
    pieces = list(bounded_pieces(iter([line[:300], line[300:] + "\n", "短句\n"]), limit=100))
    assert all(len(text) <= 100 for text, _ in pieces)
    assert "".join(text for text, _ in pieces[:-1]) == line
    assert [ends for _, ends in pieces].count(True) == 2 and pieces[-1] == ("短句", True)
    assert pieces[0][0].endswith(("。", " "))  # cut after punctuation or whitespace when there is some


def test_long_lines_segment_like_the_same_text_in_pieces(model) -> None:
    line = "我们在北京大学学习人工智能，也喜欢机器学习。" * 4000  # 88,000 characters, one line
    out = "".join(segment_stream(model, [line[:50_000], line[50_000:]]))
    assert out.count("\n") == 1 and out.endswith("\n")
    assert "".join(out.split()) == line
    sentence = "我们在北京大学学习人工智能，也喜欢机器学习。"
    assert out.split("\n")[0].startswith(next(segment_lines(model, [sentence])))


def test_normal_lines_segment_the_same_alone_or_together(model) -> None:
    lines = [line.strip() for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    together = list(segment_lines(model, lines))
    assert together == [next(segment_lines(model, [line])) for line in lines]


def test_segment_and_tag_predict_agree(tmp_path: Path) -> None:
    text = "识通灵　贾雨村风尘 a b\n我爱Python和C++\n\n空\x00字\n".encode()
    segmented = run_nlptk("segment", stdin=text)
    predicted = run_nlptk("tag", "predict", "-m", "nlptk/data/seg", stdin=text, cwd=SAMPLE.parents[1])
    assert segmented.returncode == predicted.returncode == 0, predicted.stderr
    assert segmented.stdout == predicted.stdout
    lines = segmented.stdout.decode().split("\n")
    assert lines[0].startswith("识 通灵 贾 ") and lines[0].endswith(" a b")  # runs apart, Latin whole
    assert lines[1] == "我 爱 Python 和 C++"
    assert "  " not in segmented.stdout.decode()


def test_segment_user_dict_cli(tmp_path: Path) -> None:
    user = tmp_path / "u"
    user.write_text("茶农们\n", encoding="utf-8")
    result = run_nlptk("segment", "--user-dict", user, stdin="茶农们\n".encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "茶农们\n"
