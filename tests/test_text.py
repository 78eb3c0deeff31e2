"""Tests for nlptk.text: character classes, normalisation, fragments and CharVocab."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlptk.text import (
    CharClass,
    CharVocab,
    char_class,
    char_class_table,
    classify,
    codepoints,
    encode_fragments,
    fragment_spans,
    fragments,
    is_han,
    sentences,
    to_halfwidth,
)

EXT_B = "\U00020000"  # 𠀀, CJK Extension B
EXT_B2 = "\U00020001"  # 𠀁
EMOJI = "\U0001f600"  # 😀


@pytest.mark.parametrize(
    "char",
    [
        "中",
        "〇",
        "\u3400",  # Extension A, first
        "\u4dbf",  # Extension A, last
        "\u9fff",
        EXT_B,
        "\U0002a6df",  # Extension B, last
        "\U0002b740",  # Extension D
        "\U00030000",  # Extension G, first
        "\U0003134a",  # Extension G
        "\uf900",  # 豈, compatibility ideograph
        "\ufa6d",
        "\U0002f800",  # compatibility ideographs supplement
    ],
)
def test_han(char: str) -> None:
    assert char_class(char) is CharClass.HAN
    assert is_han(char)


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("A", CharClass.LATIN),
        ("z", CharClass.LATIN),
        ("é", CharClass.LATIN),
        ("Ａ", CharClass.LATIN),  # full-width
        ("ｚ", CharClass.LATIN),
        ("0", CharClass.DIGIT),
        ("9", CharClass.DIGIT),
        ("０", CharClass.DIGIT),
        ("９", CharClass.DIGIT),
        ("，", CharClass.PUNCT),
        ("。", CharClass.PUNCT),
        ("！", CharClass.PUNCT),
        ("、", CharClass.PUNCT),
        ("《", CharClass.PUNCT),
        ("!", CharClass.PUNCT),
        (".", CharClass.PUNCT),
        (" ", CharClass.SPACE),
        ("\t", CharClass.SPACE),
        ("\n", CharClass.SPACE),
        ("\r", CharClass.SPACE),
        ("\u3000", CharClass.SPACE),  # ideographic space
        ("\xa0", CharClass.SPACE),
        (EMOJI, CharClass.SYMBOL),
        ("\U0001f680", CharClass.SYMBOL),  # 🚀
        ("$", CharClass.SYMBOL),
        ("\x00", CharClass.OTHER),
    ],
)
def test_other_classes(char: str, expected: CharClass) -> None:
    assert char_class(char) is expected
    assert not is_han(char)


def test_class_table_is_read_only_and_complete() -> None:
    table = char_class_table()
    assert table.shape == (0x110000,)
    assert table.dtype == np.uint8
    with pytest.raises(ValueError):
        table[0x4E00] = 0


def test_classify_and_codepoints_count_astral_characters_once() -> None:
    text = f"a{EXT_B}中{EMOJI}，"
    cps = codepoints(text)
    assert cps.dtype == np.uint32
    assert cps.tolist() == [ord(c) for c in text]
    assert classify(text).tolist() == [
        CharClass.LATIN,
        CharClass.HAN,
        CharClass.HAN,
        CharClass.SYMBOL,
        CharClass.PUNCT,
    ]
    assert classify("").tolist() == []


def test_to_halfwidth() -> None:
    assert to_halfwidth("ＡＢＣｘｙｚ０１２！？（）") == "ABCxyz012!?()"
    assert to_halfwidth("中\u3000文") == "中 文"
    assert to_halfwidth("～") == "~"
    assert to_halfwidth("，") == ","  # the full-width comma is a full-width ASCII variant
    # Han, ideographic punctuation and ASCII are left alone.
    assert to_halfwidth("中文、。「」abc!") == "中文、。「」abc!"
    assert to_halfwidth("") == ""


def test_fragments_modes() -> None:
    text = "我用iPhone手机，拍了123张照片! abc Ｘ１ 好"
    assert fragments(text, "split") == ["我用iPhone手机", "拍了123张照片", "abc", "Ｘ１", "好"]
    assert fragments(text, "whole") == ["我用", "iPhone", "手机", "拍了", "123", "张照片", "abc", "Ｘ１", "好"]
    assert fragments(text, "drop") == ["我用", "手机", "拍了", "张照片", "好"]


def test_fragments_default_is_whole() -> None:
    assert fragments("ab中文") == ["ab", "中文"]


def test_fragments_astral_and_emoji() -> None:
    text = f"{EXT_B}{EXT_B2}中{EMOJI}文{EXT_B}"
    # The emoji is a symbol and separates fragments; Ext B characters are Han.
    assert fragments(text, "split") == [f"{EXT_B}{EXT_B2}中", f"文{EXT_B}"]
    assert fragment_spans(text, "split") == [(0, 3), (4, 6)]


def test_fragments_edge_cases() -> None:
    for mode in ("split", "whole", "drop"):
        assert fragments("", mode) == []
        assert fragments("，。 \n！", mode) == []
    assert fragments("中", "split") == ["中"]
    assert fragments("a", "drop") == []


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="中文ab1，。 \n" + EXT_B + EMOJI, max_size=40))
def test_fragment_spans_match_fragments(text: str) -> None:
    for mode in ("split", "whole", "drop"):
        spans = fragment_spans(text, mode)
        assert [text[s:e] for s, e in spans] == fragments(text, mode)
        assert all(e > s for s, e in spans)
        assert spans == sorted(spans)
    # "split" fragments are exactly the maximal runs of Han/Latin/digit characters.
    kept = "".join(c if char_class(c) in (CharClass.HAN, CharClass.LATIN, CharClass.DIGIT) else " " for c in text)
    assert fragments(text, "split") == kept.split()


def test_sentences() -> None:
    assert list(sentences("你好。我很好！\n  ok吗？再见")) == ["你好。", "我很好！", "ok吗？", "再见"]
    assert list(sentences("")) == []


def test_char_vocab_basics() -> None:
    vocab = CharVocab()
    assert len(vocab) == 1  # id 0 is reserved
    assert vocab.units == [""]
    assert vocab.SEPARATOR == 0
    assert vocab.add("中") == 1
    assert vocab.add("文") == 2
    assert vocab.add("中") == 1
    assert vocab.id("文") == 2
    assert vocab.id("无") == 0
    assert "中" in vocab and "无" not in vocab
    assert vocab.unit(2) == "文"
    assert vocab.decode([1, 2, 1]) == "中文中"
    assert len(vocab) == 3


def test_char_vocab_astral_characters_get_dense_ids() -> None:
    vocab = CharVocab(["中", EMOJI, EXT_B, "\U00030000"])
    assert [vocab.id(u) for u in ("中", EMOJI, EXT_B, "\U00030000")] == [1, 2, 3, 4]
    assert vocab.unit(2) == EMOJI and vocab.unit(3) == EXT_B
    assert vocab.unit_array().tolist() == [0, ord("中"), ord(EMOJI), ord(EXT_B), 0x30000]
    # Bulk lookup through the code-point table agrees with the dict.
    cps = codepoints(f"{EXT_B}中{EMOJI}")
    assert vocab.encode_chars(cps, np.ones(3, dtype=bool), grow=False).tolist() == [3, 1, 2]


def test_char_vocab_round_trip() -> None:
    vocab = CharVocab()
    for unit in ["中", "a", EMOJI, EXT_B, "北京"]:
        vocab.add(unit)
    again = CharVocab(vocab.to_list())
    assert again.units == vocab.units
    assert again.to_list() == ["中", "a", EMOJI, EXT_B, "北京"]
    assert all(again.id(u) == vocab.id(u) for u in vocab.to_list())
    # Multi-character units have ids but no code point.
    assert again.unit_array()[again.id("北京")] == 0


def test_encode_chars_grow_and_keep() -> None:
    vocab = CharVocab()
    cps = codepoints("中文中")
    keep = np.array([True, False, True])
    assert vocab.encode_chars(cps, keep, grow=False).tolist() == [0, 0, 0]
    assert len(vocab) == 1
    ids = vocab.encode_chars(cps, keep)
    assert ids.tolist() == [1, 0, 1]
    assert vocab.to_list() == ["中"]


def test_encode_fragments_alignment() -> None:
    text = f"我{EXT_B}爱ab，1{EMOJI}中\n{EXT_B}"
    vocab = CharVocab()
    ids = encode_fragments(text, vocab, latin="split")
    assert len(ids) == len(text) == len(codepoints(text))  # one id per code point
    for char, unit_id in zip(text, ids.tolist(), strict=True):
        if char_class(char) in (CharClass.HAN, CharClass.LATIN, CharClass.DIGIT):
            assert unit_id != 0
            assert vocab.unit(unit_id) == char
        else:
            assert unit_id == 0
    # The same character has the same id everywhere.
    assert ids[1] == ids[len(text) - 1] == vocab.id(EXT_B)
    dropped = encode_fragments(text, vocab, latin="drop")
    assert [vocab.unit(i) for i in dropped.tolist() if i] == ["我", EXT_B, "爱", "中", EXT_B]
    assert dropped[3] == dropped[4] == dropped[6] == 0


def test_encode_fragments_without_growing() -> None:
    vocab = CharVocab(["中"])
    ids = encode_fragments("中文", vocab, grow=False)
    assert ids.tolist() == [1, 0]
    assert len(vocab) == 2


def test_encode_fragments_rejects_whole_mode() -> None:
    with pytest.raises(ValueError, match="latin"):
        encode_fragments("abc", CharVocab(), latin="whole")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="中文北京ab1，。 \n\r" + EXT_B + EMOJI, max_size=50))
def test_encode_fragments_matches_fragments(text: str) -> None:
    vocab = CharVocab()
    ids = encode_fragments(text, vocab, latin="split")
    assert len(ids) == len(text)
    pieces = "".join(vocab.unit(i) if i else " " for i in ids.tolist()).split()
    assert pieces == fragments(text, "split")
    assert ids.max(initial=0) < len(vocab)
