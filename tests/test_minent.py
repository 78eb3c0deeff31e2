"""Tests for nlptk.minent (minimum-entropy lexicons, templates, template parsing) and ``nlptk minent``."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from conftest import usage_error
from test_cli import nlptk, one_line_error, out

from nlptk.cli import app
from nlptk.cli.minimum_entropy import CONFIG_OPTIONS
from nlptk.errors import NlptkError
from nlptk.io import parse_memory
from nlptk.lexicon import Lexicon, best_split, segment
from nlptk.minent import Entropy, MinentConfig, UnitCorpus, induce_lexicon
from nlptk.minent.entropy import entropy_of, entropy_of_words, segmentation_entropy
from nlptk.minent.induction import COMPOUNDS, corpus_words, heldout_bits_per_char, induction_rounds
from nlptk.minent.parse import ParseNode, TemplateParser, read_templates
from nlptk.minent.templates import TemplateConfig, induce_templates, is_trivial, parse_template, template_text

# -- helpers -----------------------------------------------------------------------------------


def zipf_corpus(
    seed: int = 0,
    n_words: int = 20,
    sentences: int = 3000,
    lengths: tuple[int, ...] = (2, 3),
    max_words: int = 6,
    comma_rate: float = 0.3,
) -> tuple[list[str], str]:
    """Made-up words over distinct characters, drawn with Zipf weights into lines (some cut by '，')."""
    rng = random.Random(seed)
    chars = [chr(0x4E00 + 7 * i) for i in range(4 * n_words)]
    rng.shuffle(chars)
    words: list[str] = []
    k = 0
    for _ in range(n_words):
        n = rng.choice(lengths)
        words.append("".join(chars[k : k + n]))
        k += n
    weights = [1 / (rank + 1) for rank in range(n_words)]
    lines = []
    for _ in range(sentences):
        parts = rng.choices(words, weights, k=rng.randint(2, max_words))
        if comma_rate and rng.random() < comma_rate:
            parts.insert(rng.randint(1, len(parts) - 1), "，")
        lines.append("".join(parts))
    return words, "\n".join(lines) + "\n"


def corpus_of(*texts: str) -> UnitCorpus:
    corpus = UnitCorpus.empty()
    corpus.add_text(texts)
    return corpus


def decoded(corpus: UnitCorpus) -> list[str]:
    """The corpus as unit strings, '' for each separator (independent of the id numbering)."""
    return [corpus.units[i] for i in corpus.ids.tolist()]


def unit_count_table(corpus: UnitCorpus) -> Counter[str]:
    counts = corpus.unit_counts()
    return Counter({corpus.units[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})


def chars_of(text: str) -> int:
    return corpus_of(text).chars


WORDS, TEXT = zipf_corpus()
SMALL_CONFIG = MinentConfig(min_prob=1e-4, heldout_every=0)  # the defaults: a word lexicon
# Rounds that go on merging words (the compound settings), for what is about more than one round.
COMPOUND_CONFIG = MinentConfig.compounds(min_prob=1e-4, heldout_every=0)


@pytest.fixture(scope="module")
def text_corpus() -> UnitCorpus:
    return corpus_of(TEXT)


@pytest.fixture(scope="module")
def induced(text_corpus: UnitCorpus):
    return induce_lexicon(text_corpus, SMALL_CONFIG)


# -- entropy -----------------------------------------------------------------------------------


def test_entropy_of_hand_computed() -> None:
    # p = 1/2, 1/4, 1/4: H = 1.5 bits; l = 1/2 + 2/4 + 2/4 = 1.5; L = 1
    e = entropy_of(np.array([2, 1, 1]), np.array([1, 2, 2]))
    assert [e.H, e.l, e.L] == pytest.approx([1.5, 1.5, 1.0])
    assert (e.units, e.tokens) == (3, 4)


def test_entropy_of_ignores_unused_units_and_handles_nothing() -> None:
    e = entropy_of(np.array([0, 2, 0, 2]), np.array([9, 1, 9, 3]))
    assert (e.H, e.l, e.units, e.tokens) == (pytest.approx(1.0), pytest.approx(2.0), 2, 4)
    empty = entropy_of(np.zeros(3), np.ones(3))
    assert empty == Entropy(0.0, 0.0, 0, 0)
    assert empty.L == 0.0


def test_entropy_of_words_matches_entropy_of() -> None:
    e = entropy_of_words({"甲乙": 2, "丙": 1, "丁": 1})
    assert (e.H, e.l, e.L) == (pytest.approx(1.5), pytest.approx(1.5), pytest.approx(1.0))


def test_character_corpus_has_l_one() -> None:
    corpus = corpus_of("甲乙甲丙，甲乙\n丁")
    e = corpus.entropy()
    assert e.l == 1.0
    assert math.isclose(e.L, e.H)
    assert e.tokens == corpus.chars == 7
    assert unit_count_table(corpus) == Counter({"甲": 3, "乙": 2, "丙": 1, "丁": 1})


def test_segmentation_entropy() -> None:
    lexicon = Lexicon.from_counts({"甲乙": 3})
    e = segmentation_entropy(["甲乙丙", "甲乙，"], lexicon)  # words 甲乙 甲乙 丙
    p = np.array([2 / 3, 1 / 3])
    assert math.isclose(e.H, float(-(p * np.log2(p)).sum()))
    assert e.l == pytest.approx(5 / 3)
    assert (e.units, e.tokens) == (2, 3)


def test_heldout_bits_per_char() -> None:
    words = {"甲乙": 3, "丙": 1}
    # 甲乙 costs log2(4/3) bits, 丙 log2(4), the unseen 丁 counts 1: log2(4); over 4 characters
    assert heldout_bits_per_char(words, ["甲乙丙", "丁"]) == pytest.approx((math.log2(4 / 3) + 2 + 2) / 4)
    # the DP takes the likelier split: 甲乙 as one word, not 甲 + 乙
    assert heldout_bits_per_char({"甲乙": 8, "甲": 1, "乙": 1}, ["甲乙"]) == pytest.approx(math.log2(10 / 8) / 2)
    assert math.isnan(heldout_bits_per_char(words, []))
    assert best_split("甲乙丙", {"甲乙": 3, "丙": 1}, 4, 2)[0] == ["甲乙", "丙"]


# -- UnitCorpus --------------------------------------------------------------------------------


def test_add_text_fragments_and_separators() -> None:
    corpus = corpus_of("你好，世界\n\n再见!!")
    assert decoded(corpus) == ["", "你", "好", "", "世", "界", "", "再", "见", ""]
    assert corpus.ids.dtype == np.int32
    assert corpus.chars == 6


SPLIT_TEXT = "我们今天去北京，iPhone手机3G网络。\n\n你好世界！\U00020000😀再见abc\n最后一行"


def test_add_text_chunk_boundaries_do_not_matter() -> None:
    whole = corpus_of(SPLIT_TEXT)
    rng = random.Random(1)
    for _ in range(200):
        cuts = sorted(rng.sample(range(len(SPLIT_TEXT) + 1), rng.randint(1, 6)))
        chunks = [SPLIT_TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(SPLIT_TEXT)], strict=True)]
        split = UnitCorpus.empty()
        split.add_text(chunks)
        assert decoded(split) == decoded(whole), chunks
        assert sorted(split.units) == sorted(whole.units)
    # a chunk ending inside a fragment, and empty chunks
    assert decoded(corpus_of("", "我们今", "天", "", "去北京\n")) == decoded(corpus_of("我们今天去北京\n"))


def test_save_load_round_trip(tmp_path: Path, text_corpus: UnitCorpus) -> None:
    for corpus in (text_corpus, UnitCorpus.empty(), corpus_of(SPLIT_TEXT)):
        path = tmp_path / "state.npz"
        corpus.save(path)
        loaded = UnitCorpus.load(path)
        assert loaded.units == corpus.units
        assert loaded.ids.dtype == np.int32
        assert np.array_equal(loaded.ids, corpus.ids)


def _write_text(path: Path) -> None:
    path.write_text("你好世界\n", encoding="utf-8")


def _write_empty(path: Path) -> None:
    path.write_bytes(b"")


def _write_npz_without_format(path: Path) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, ids=np.arange(3))


def _write_npy(path: Path) -> None:
    with open(path, "wb") as handle:
        np.save(handle, np.arange(3))


def _write_out_of_range(path: Path) -> None:
    corpus = corpus_of("你好")
    corpus.ids = np.array([0, 1, 7, 0], dtype=np.int32)
    corpus.save(path)


@pytest.mark.parametrize(
    "writer", [_write_text, _write_empty, _write_npz_without_format, _write_npy, _write_out_of_range]
)
def test_load_rejects_what_is_not_a_state(tmp_path: Path, writer) -> None:
    """'anything else is a clear error': an NlptkError naming the file, whatever the file holds."""
    path = tmp_path / "not-a-state"
    writer(path)
    with pytest.raises(NlptkError, match="not-a-state"):
        UnitCorpus.load(path)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NlptkError, match="no such file"):
        UnitCorpus.load(tmp_path / "missing.npz")


def test_only_character_corpus_takes_more_text(text_corpus: UnitCorpus) -> None:
    _, merged = next(induction_rounds(text_corpus, SMALL_CONFIG))
    with pytest.raises(NlptkError, match="character-level"):
        merged.add_text(["更多"])


def test_split_heldout_takes_every_nth_fragment() -> None:
    corpus = corpus_of("甲乙\n丙丁\n戊己，庚辛\n壬癸\n")
    rest, held = corpus.split_heldout(2)
    assert decoded(held) == ["", "丙", "丁", "", "庚", "辛", ""]
    assert decoded(rest) == ["", "甲", "乙", "", "戊", "己", "", "壬", "癸", ""]
    assert rest.chars + held.chars == corpus.chars
    assert decoded(corpus)[1:3] == ["甲", "乙"]  # the original is untouched


def test_incremental_corpus_equals_one_pass(tmp_path: Path) -> None:
    _, text_a = zipf_corpus(seed=1, sentences=600)
    _, text_b = zipf_corpus(seed=2, sentences=600)
    first = corpus_of(text_a)
    path = tmp_path / "state.npz"
    first.save(path)
    grown = UnitCorpus.load(path)
    grown.add_text([text_b])
    together = corpus_of(text_a + text_b)
    assert unit_count_table(grown) == unit_count_table(together)
    assert decoded(grown) == decoded(together)
    assert grown.chars == first.chars + chars_of(text_b)
    config = MinentConfig(min_prob=1e-4, heldout_every=0)
    assert induce_lexicon(grown, config).words == induce_lexicon(together, config).words


def test_induce_lexicon_twice_and_on_a_grown_corpus() -> None:
    _, text_a = zipf_corpus(seed=3, sentences=800)
    _, text_b = zipf_corpus(seed=3, sentences=400)  # the same vocabulary
    corpus = corpus_of(text_a)
    ids, units = corpus.ids.copy(), list(corpus.units)
    first = induce_lexicon(corpus, SMALL_CONFIG)
    again = induce_lexicon(corpus, SMALL_CONFIG)
    assert first.words == again.words
    assert first.rounds == again.rounds
    assert np.array_equal(corpus.ids, ids) and corpus.units == units  # induction does not touch its input
    corpus.add_text([text_b])
    grown = induce_lexicon(corpus, SMALL_CONFIG)
    assert sum(count * len(w) for w, count in grown.words) == corpus.chars == chars_of(text_a + text_b)
    assert dict(grown.words)[first.words[0][0]] > first.words[0][1]


# -- lexicon induction -------------------------------------------------------------------------


def test_induce_lexicon_finds_the_words(text_corpus: UnitCorpus, induced) -> None:
    counts = dict(induced.words)
    frequent = {w for w, c in induced.words if c >= 50}
    found = [w for w in WORDS if w in frequent]
    assert len(found) >= 0.8 * len(WORDS), sorted(set(WORDS) - frequent)
    # frequent multi-character words are true words, not concatenations of them
    assert {w for w in frequent if len(w) > 1} <= set(WORDS)
    assert induced.characters == text_corpus.entropy()
    assert induced.characters.l == 1.0
    assert induced.rounds, "no round was kept"
    assert induced.rounds[0].after.L < 0.5 * induced.characters.L
    assert induced.entropy == induced.rounds[-1].after
    for number, stats in enumerate(induced.rounds, 1):
        assert stats.round == number
        assert 0 <= stats.kept <= stats.candidates
    # every character is in exactly one word
    assert sum(c * len(w) for w, c in induced.words) == text_corpus.chars
    assert sum(counts.values()) == induced.entropy.tokens
    assert induced.words == sorted(induced.words, key=lambda item: (-item[1], item[0]))


def test_induce_lexicon_is_deterministic(text_corpus: UnitCorpus, induced) -> None:
    other = induce_lexicon(corpus_of(TEXT), SMALL_CONFIG)
    assert other.words == induced.words
    assert other.rounds == induced.rounds


def test_induce_lexicon_with_heldout_measures_unseen_text(text_corpus: UnitCorpus) -> None:
    reported = []
    config = MinentConfig.compounds(min_prob=1e-4, max_rounds=3)
    result = induce_lexicon(text_corpus, config, on_round=reported.append)
    assert not math.isnan(result.heldout_characters)
    assert result.rounds and all(not math.isnan(s.heldout) for s in result.rounds)
    levels = [result.heldout_characters] + [s.heldout for s in result.rounds]
    assert all(b < a for a, b in itertools.pairwise(levels))  # kept rounds lowered held-out L
    assert reported[: len(result.rounds)] == result.rounds
    assert len(result.rounds) <= len(reported) <= 3
    frequent = {w for w, c in result.words if c >= 50}
    assert sum(w in frequent for w in WORDS) >= 0.8 * len(WORDS)
    # the held-out fragments are not counted
    assert sum(c * len(w) for w, c in result.words) < text_corpus.chars


def test_induction_rounds_respects_max_rounds_and_conserves_characters(text_corpus: UnitCorpus) -> None:
    rounds = list(induction_rounds(text_corpus, replace(COMPOUND_CONFIG, max_rounds=3)))
    assert [s.round for s, _ in rounds] == [1, 2, 3]
    for stats, merged in rounds:
        assert merged.chars == text_corpus.chars
        assert stats.after == merged.entropy()
        assert stats.kept <= stats.candidates
        assert "".join(decoded(merged)) == "".join(decoded(text_corpus))


def test_induce_lexicon_on_nothing_is_an_error() -> None:
    with pytest.raises(NlptkError, match="no text"):
        induce_lexicon(UnitCorpus.empty())
    with pytest.raises(NlptkError, match="no text"):
        induce_lexicon(corpus_of("，。！\n"))


def test_redundancy_removal_gives_a_chance_concatenation_to_its_parts() -> None:
    """苹果香蕉 is a piece (every pair is joined) but only chance: removed, its count goes to 苹果 and 香蕉."""
    lines = ["苹果"] * 1000 + ["香蕉"] * 1000 + ["苹果香蕉"] * 10 + ["葡萄酒"] * 100
    corpus = corpus_of("\n".join(lines) + "\n")
    config = MinentConfig(min_prob=1e-9, min_pmi=-50.0, heldout_every=0, max_rounds=1)
    [(stats, merged)] = list(induction_rounds(corpus, config))
    assert (stats.candidates, stats.kept) == (4, 3)  # 苹果 香蕉 葡萄酒 苹果香蕉; the last removed
    assert corpus_words(merged) == {"苹果": 1010, "香蕉": 1010, "葡萄酒": 100}
    assert int(merged.unit_counts().sum()) == 1000 + 1000 + 2 * 10 + 100  # pieces it is made of
    assert stats.cut.tokens == 2110 and stats.after.tokens == 2120
    assert stats.after.L < corpus.entropy().L


def test_redundancy_removal_keeps_what_saves_enough_information() -> None:
    """甲乙 (4 times; 甲 and 乙 alone 5 times each) is no chance pair: ln p(甲乙) − ln p(甲) − ln p(乙)
    = ln(4 · 1014 / 25) = 5.09 over 1014 pieces, but keeping it saves only 4 · (5.09 − 1) = 16.4 nats."""
    lines = ["甲"] * 5 + ["乙"] * 5 + ["甲乙"] * 4 + ["丙丁"] * 1000
    corpus = corpus_of("\n".join(lines) + "\n")
    base = MinentConfig(min_prob=1e-9, min_pmi=-50.0, heldout_every=0, max_rounds=1)

    def kept(**rules: float) -> set[str]:
        [(_, merged)] = list(induction_rounds(corpus, replace(base, **rules)))
        return {w for w in corpus_words(merged) if len(w) > 1}

    assert kept() == {"丙丁"}  # the default min_saving (20 nats) takes it out
    assert kept(min_saving=16.0) == {"丙丁", "甲乙"}
    assert kept(min_saving=17.0) == {"丙丁"}
    assert kept(min_saving=0.0, penalty=5.0) == {"丙丁", "甲乙"}  # the length rule alone: 5.09 > 5·(2 − 1)
    assert kept(min_saving=0.0, penalty=5.2) == {"丙丁"}


def test_redundancy_removal_on_the_synthetic_corpus(text_corpus: UnitCorpus) -> None:
    # cut at PMI < 1 only: chance concatenations of words become candidates (at the default 2 none do)
    stats, merged = next(induction_rounds(text_corpus, COMPOUND_CONFIG))
    assert stats.kept < stats.candidates  # chance concatenations were candidates, and removed
    kept = set(merged.units[len(text_corpus.units) :])
    assert len(kept) == stats.kept
    assert kept <= set(WORDS)
    assert stats.after.tokens > stats.cut.tokens  # each removed piece became two or more units
    assert merged.chars == text_corpus.chars


def test_round_units_are_distinct_words() -> None:
    """A word kept in round 1 must not come back as a second unit of the same string in round 2.

    Pieces that are not candidates stay as characters; when round 2 merges such characters
    into a word that round 1 already made, the corpus gets two units with one string, and
    the L of the round (its ``after`` entropy, the L the CLI prints) counts them as two words.
    """
    _, text = zipf_corpus(seed=0, lengths=(1, 2, 2, 3, 3, 4), max_words=8, comma_rate=0.0)
    corpus = corpus_of(text)
    for stats, merged in induction_rounds(corpus, replace(COMPOUND_CONFIG, max_rounds=3)):
        duplicated = [u for u, n in Counter(merged.units).items() if n > 1]
        assert not duplicated, (stats.round, duplicated)
        words_entropy = entropy_of_words(dict(corpus_words(merged)))
        assert math.isclose(stats.after.L, words_entropy.L), (stats.round, stats.after, words_entropy)


# -- templates ---------------------------------------------------------------------------------


def test_parse_template_and_template_text() -> None:
    assert parse_template("X的X是什么") == (None, "的", None, "是什么")
    assert parse_template("请问X") == ("请问", None)
    assert parse_template("X怎么办") == (None, "怎么办")
    assert parse_template("的") == ("的",)
    for text in ("X的X是什么", "请问X", "X怎么办", "X和X", "X可以X吗", "的"):
        assert template_text(parse_template(text)) == text
    assert template_text(("请问", None)) == "请问X"
    assert template_text((None, "的", "是", None)) == "X的是X"


@pytest.mark.parametrize("text", ["X", "XX", "X的XX", "XX的X", ""])
def test_parse_template_rejects_bare_or_adjacent_slots(text: str) -> None:
    with pytest.raises(NlptkError, match="fixed word"):
        parse_template(text)


def test_is_trivial() -> None:
    assert is_trivial((None, "的", None))
    assert is_trivial(parse_template("X和X"))
    assert not is_trivial(parse_template("X的X是什么"))
    assert not is_trivial(parse_template("请问X"))
    assert not is_trivial(parse_template("X怎么办"))
    assert not is_trivial(("的",))


FILLERS = ["苹果", "香蕉", "鸡蛋", "牛奶", "手机", "电脑", "天气", "颜色", "价格", "作者"]
FILLERS += ["名字", "面包", "咖啡", "汽车", "房子", "老师", "学生", "医生", "猫", "狗"]
PATTERNS = ["{a}怎么办", "请问{a}", "{a}的{b}是什么", "{a}和{b}"]
TEMPLATE_CONFIG = TemplateConfig(min_prob=1e-4, min_pmi=0.5, min_count=2)


def question_lines(count: int = 800, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        a, b = rng.sample(FILLERS, 2)
        lines.append(rng.choice(PATTERNS).format(a=a, b=b))
    return lines


def question_lexicon() -> Lexicon:
    pattern_words = {"怎么办": 50, "请问": 50, "的": 200, "是": 100, "什么": 100, "和": 100}
    return Lexicon.from_counts({**dict.fromkeys(FILLERS, 100), **pattern_words})


def test_induce_templates_finds_the_patterns() -> None:
    found = induce_templates(question_lines(), question_lexicon(), TEMPLATE_CONFIG)
    top = [t for t, _ in found[:6]]
    for expected in ("X怎么办", "请问X", "X的X是什么"):
        assert expected in top, found[:10]
    assert "X和X" not in dict(found)  # trivial
    assert all(c >= TEMPLATE_CONFIG.min_count for _, c in found)
    assert [c for _, c in found] == sorted((c for _, c in found), reverse=True)
    for text, _ in found:
        assert template_text(parse_template(text)) == text
        assert not is_trivial(parse_template(text))


def test_induce_templates_keeps_trivial_on_request() -> None:
    lines = question_lines()
    config = TemplateConfig(min_prob=1e-4, min_pmi=0.5, min_count=2, keep_trivial=True)
    with_trivial = dict(induce_templates(lines, question_lexicon(), config))
    without = dict(induce_templates(lines, question_lexicon(), TEMPLATE_CONFIG))
    assert with_trivial["X和X"] >= 20
    assert {t: c for t, c in with_trivial.items() if not is_trivial(parse_template(t))} == without


def test_induce_templates_min_count_and_literal_x() -> None:
    lines = question_lines(300) + ["X光片怎么办"] * 20
    found = induce_templates(lines, question_lexicon(), TemplateConfig(min_prob=1e-4, min_pmi=0.5, min_count=30))
    assert found and all(c >= 30 for _, c in found)
    for text, _ in induce_templates(lines, question_lexicon(), TEMPLATE_CONFIG):
        # a literal X in the text would read as a slot: such templates are not written
        assert all(e is None or "X" not in e for e in parse_template(text))
        assert template_text(parse_template(text)) == text


def test_induce_templates_errors() -> None:
    with pytest.raises(NlptkError, match="no text"):
        induce_templates(["，。", ""], question_lexicon())
    with pytest.raises(NlptkError, match="window"):
        induce_templates(question_lines(10), question_lexicon(), TemplateConfig(window=0))


# -- parsing -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jieba_lexicon() -> Lexicon:
    return Lexicon.jieba()


def test_nested_parse_with_hand_written_templates(jieba_lexicon: Lexicon) -> None:
    parser = TemplateParser([("X和X", 10), ("X的X是X呢", 5)], jieba_lexicon)
    sentence = "雪梨和苹果和香蕉的颜色是什么呢"
    node = parser.parse(sentence)
    assert node.bracketed() == "(((雪梨)和(苹果))和(香蕉))的(颜色)是(什么)呢"
    assert node.text() == sentence
    tree = node.to_json()
    assert tree["template"] == "X的X是X呢"
    assert tree["text"] == sentence
    assert len(tree["slots"]) == 3
    first = tree["slots"][0]
    assert first["template"] == "X和X"
    assert first["text"] == "雪梨和苹果和香蕉"
    assert [s["text"] for s in first["slots"]] == ["雪梨和苹果", "香蕉"]
    assert first["slots"][0]["template"] == "X和X"
    assert first["slots"][1] == {"text": "香蕉", "template": None, "words": ["香蕉"]}
    assert [s["text"] for s in tree["slots"][1:]] == ["颜色", "什么"]
    json.dumps(tree)  # serialisable
    # the score: three template uses plus flat single words (score 0)
    assert node.score == pytest.approx(2 * math.log(10 / 15) + math.log(5 / 15))


def test_parse_line_keeps_the_text_between_clauses(jieba_lexicon: Lexicon) -> None:
    parser = TemplateParser([("X可以X吗", 3)], jieba_lexicon)
    line = "你好，鸡蛋可以吃吗？"
    parts = parser.parse_line(line)
    assert [p if isinstance(p, str) else p.text() for p in parts] == ["你好", "，", "鸡蛋可以吃吗", "？"]
    assert isinstance(parts[0], ParseNode) and parts[0].template is None
    assert isinstance(parts[2], ParseNode) and parts[2].template == (None, "可以", None, "吗")
    assert parts[2].bracketed() == "(鸡蛋)可以(吃)吗"
    assert "".join(p if isinstance(p, str) else p.bracketed() for p in parts) == "你好，(鸡蛋)可以(吃)吗？"
    assert parser.parse_line("") == []
    assert parser.parse_line("……") == ["……"]


def test_unmatched_sentence_is_flat() -> None:
    lexicon = Lexicon.from_counts({"今天": 5, "天气": 5, "很": 5, "好": 5, "和": 5})
    parser = TemplateParser([("X和X", 10), ("请问X", 3)], lexicon)
    node = parser.parse("今天天气很好")
    assert node.template is None
    assert node.parts == ["今天", "天气", "很", "好"]
    assert node.bracketed() == "今天天气很好"
    assert node.to_json() == {"text": "今天天气很好", "template": None, "words": ["今天", "天气", "很", "好"]}
    assert node.score == pytest.approx(parser.null_score * 3)
    # a template needs every slot filled: '请问' alone, or '和' at an end, stays flat
    assert parser.parse("请问").template is None
    assert parser.parse("今天和").template is None
    assert parser.parse("请问天气").bracketed() == "请问(天气)"


def test_parser_prefers_the_likelier_parse() -> None:
    lexicon = Lexicon.from_counts({"甲": 1, "乙": 1, "丙": 1, "和": 1, "或": 1})
    # one use of X和X或X, or X和X inside X或X: ln(w1 / T) against ln(w2 / T) + ln(w3 / T)
    nested = TemplateParser([("X和X或X", 1), ("X和X", 100), ("X或X", 100)], lexicon)
    assert nested.parse("甲和乙或丙").bracketed() == "((甲)和(乙))或(丙)"
    assert nested.parse("甲和乙或丙").score == pytest.approx(2 * math.log(100 / 201))
    single = TemplateParser([("X和X或X", 100), ("X和X", 1), ("X或X", 1)], lexicon)
    assert single.parse("甲和乙或丙").bracketed() == "(甲)和(乙)或(丙)"
    assert single.parse("甲和乙或丙").score == pytest.approx(math.log(100 / 102))
    # equal scores (each template used once either way): the longer first slot wins
    for weights in ((10, 1), (1, 10)):
        parser = TemplateParser([("X或X", weights[0]), ("X和X", weights[1])], lexicon)
        assert parser.parse("甲和乙或丙").bracketed() == "((甲)和(乙))或(丙)"


def test_parser_errors(jieba_lexicon: Lexicon) -> None:
    with pytest.raises(NlptkError, match="no templates"):
        TemplateParser([("X和X", 0)], jieba_lexicon)
    with pytest.raises(NlptkError, match="fixed word"):
        TemplateParser([("XX", 3)], jieba_lexicon)
    parser = TemplateParser([("X和X", 1)], jieba_lexicon)
    with pytest.raises(NlptkError, match="empty"):
        parser.parse("")


def test_read_templates(tmp_path: Path) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("X和X\t10\n\nX的X是X呢\t5\n请问X\t1\n", encoding="utf-8")
    assert read_templates(good) == [("X和X", 10), ("X的X是X呢", 5), ("请问X", 1)]
    bad = tmp_path / "bad.tsv"
    bad.write_text("X和X\t10\nX的X\tmany\n", encoding="utf-8")
    with pytest.raises(NlptkError, match=r"bad\.tsv: line 2"):
        read_templates(bad)
    adjacent = tmp_path / "adjacent.tsv"
    adjacent.write_text("X和X\t10\n\nXX\t3\n", encoding="utf-8")
    with pytest.raises(NlptkError, match=r"adjacent\.tsv: line 3"):
        read_templates(adjacent)
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="no templates"):
        read_templates(empty)


# -- command line ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("minent")
    _, half_a = zipf_corpus(seed=5, sentences=1500)
    _, half_b = zipf_corpus(seed=5, sentences=700)
    paths = {
        "text": root / "text.txt",
        "a": root / "a.txt",
        "b": root / "b.txt",
        "empty": root / "empty.txt",
        "questions": root / "questions.txt",
        "qlex": root / "qlex.txt",
    }
    paths["text"].write_text(TEXT, encoding="utf-8")
    paths["a"].write_text(half_a, encoding="utf-8")
    paths["b"].write_text(half_b, encoding="utf-8")
    paths["empty"].write_bytes(b"")
    paths["questions"].write_text("\n".join(question_lines()) + "\n", encoding="utf-8")
    question_lexicon().save(paths["qlex"])
    return paths


@pytest.fixture(scope="module")
def cli_lexicon(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    target = tmp_path_factory.mktemp("lexicon") / "lexicon.txt"
    result = nlptk("minent", "lexicon", files["text"], "--min-prob", "1e-4", "-o", target)
    assert out(result) == ""
    return target, result.stderr.decode("utf-8")


def test_cli_lexicon_writes_a_jieba_lexicon(cli_lexicon: tuple[Path, str]) -> None:
    path, _ = cli_lexicon
    rows = [line.split(" ") for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows and all(len(row) == 2 and row[1].isdigit() for row in rows)
    counts = {word: int(count) for word, count in rows}
    assert sum(w in counts and counts[w] >= 50 for w in WORDS) >= 0.8 * len(WORDS)
    assert [int(c) for _, c in rows] == sorted((int(c) for _, c in rows), reverse=True)
    lexicon = Lexicon.load(path)
    sentence = "".join(WORDS[:6])
    assert segment(sentence, lexicon) == WORDS[:6]


def test_cli_lexicon_output_segments(cli_lexicon: tuple[Path, str]) -> None:
    path, _ = cli_lexicon
    sentence = "".join(WORDS[3:8]) + "，" + WORDS[0]
    segmented = out(nlptk("segment", "--lexicon", path, stdin=(sentence + "\n").encode()))
    assert segmented.split() == [*WORDS[3:8], "，", WORDS[0]]


def test_cli_lexicon_reports_rounds(cli_lexicon: tuple[Path, str]) -> None:
    _, err = cli_lexicon
    lines = err.splitlines()
    assert lines[0].startswith("characters: L ")
    rounds = [line for line in lines if line.startswith("round ")]
    assert rounds and rounds[0].startswith("round 1: ")
    assert "kept by redundancy removal" in rounds[0]
    assert lines[-1].startswith("kept ")
    assert "Traceback" not in err


def test_cli_lexicon_quiet_and_stdout(files: dict[str, Path], cli_lexicon: tuple[Path, str]) -> None:
    result = nlptk("minent", "lexicon", files["text"], "--min-prob", "1e-4", "--quiet", "--top", "5")
    assert result.returncode == 0 and result.stderr == b""
    written = cli_lexicon[0].read_text(encoding="utf-8").splitlines()
    assert out(result).splitlines() == written[:5]


def test_cli_lexicon_state_grows(files: dict[str, Path], tmp_path: Path) -> None:
    state = tmp_path / "state.npz"
    first, second, again = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.txt"
    args = ("--min-prob", "1e-4", "--quiet")
    out(nlptk("minent", "lexicon", files["a"], "--state", state, "-o", first, *args))
    assert state.exists()
    chars_a = chars_of(files["a"].read_text(encoding="utf-8"))
    assert UnitCorpus.load(state).chars == chars_a
    out(nlptk("minent", "lexicon", files["b"], "--state", state, "-o", second, *args))
    assert UnitCorpus.load(state).chars == chars_a + chars_of(files["b"].read_text(encoding="utf-8"))
    counts_1 = Lexicon.load(first)
    counts_2 = Lexicon.load(second)
    assert counts_2.total > counts_1.total
    top_word = first.read_text(encoding="utf-8").split()[0]
    assert counts_2.count(top_word) > counts_1.count(top_word)
    # the state alone gives the same lexicon again, and does not grow
    out(nlptk("minent", "lexicon", "--state", state, "-o", again, *args))
    assert again.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    assert UnitCorpus.load(state).chars == chars_a + chars_of(files["b"].read_text(encoding="utf-8"))


def test_cli_lexicon_failed_run_leaves_state_alone(files: dict[str, Path], tmp_path: Path) -> None:
    """A run that fails (here: the output directory does not exist) must not count its text into --state.

    Otherwise running the corrected command again counts the same text twice.
    """
    state = tmp_path / "state.npz"
    args = ("--min-prob", "1e-4", "--quiet")
    out(nlptk("minent", "lexicon", files["a"], "--state", state, "-o", tmp_path / "ok.txt", *args))
    chars_a = chars_of(files["a"].read_text(encoding="utf-8"))
    assert UnitCorpus.load(state).chars == chars_a
    usage_error(
        nlptk("minent", "lexicon", files["b"], "--state", state, "-o", tmp_path / "nodir" / "x.txt", *args),
        "--output",
        "does not exist",
    )
    assert UnitCorpus.load(state).chars == chars_a, "the failed run counted its text into the state"


def test_cli_lexicon_bad_state_file(files: dict[str, Path], tmp_path: Path) -> None:
    text_state = tmp_path / "text-state"
    text_state.write_text("not a state\n", encoding="utf-8")
    one_line_error(nlptk("minent", "lexicon", files["a"], "--state", text_state, "--quiet"), str(text_state))
    # an empty file (as mktemp makes) must give a clear error, or be taken as an empty state
    empty_state = tmp_path / "empty-state"
    empty_state.write_bytes(b"")
    result = nlptk("minent", "lexicon", files["a"], "--state", empty_state, "--quiet", "--min-prob", "1e-4")
    err = result.stderr.decode("utf-8", "replace")
    assert "Aborted" not in err and "Traceback" not in err, err
    if result.returncode:
        one_line_error(result, str(empty_state))


def lexicon_options() -> dict[str, Any]:
    """The options of ``nlptk minent lexicon`` by name, with the defaults and help its --help shows."""
    command = typer.main.get_command(app).commands["minent"].commands["lexicon"]
    return {param.name: param for param in command.params}


def test_cli_lexicon_defaults_are_the_library_defaults() -> None:
    defaults = {name: option.default for name, option in lexicon_options().items()}
    shown = {field: defaults[option] for field, option in CONFIG_OPTIONS.items()}
    shown["remove_redundant"] = not shown["remove_redundant"]  # --keep-redundant
    shown["memory"] = parse_memory(str(shown["memory"]))
    library = MinentConfig()
    assert shown == {field: getattr(library, field) for field in CONFIG_OPTIONS}
    assert defaults["units"].value == "words"


def test_the_defaults_give_words_and_compounds_more_rounds() -> None:
    words, compounds = MinentConfig(), MinentConfig.compounds()
    assert (words.max_rounds, words.min_pmi, words.penalty) == (1, 2.0, 2.0)
    assert COMPOUNDS == {"max_rounds": 10, "min_pmi": 1.0, "penalty": 0.0}  # the settings that were the defaults
    assert {field: getattr(compounds, field) for field in COMPOUNDS} == COMPOUNDS
    assert replace(compounds, **{field: getattr(words, field) for field in COMPOUNDS}) == words
    assert MinentConfig.compounds(max_rounds=2, top=5) == replace(compounds, max_rounds=2, top=5)
    help_text = " ".join(lexicon_options()["units"].help.split())
    assert "--max-rounds 10 --min-pmi 1 --penalty 0" in help_text  # what --units compounds says it sets


def test_cli_lexicon_units(files: dict[str, Path], cli_lexicon: tuple[Path, str]) -> None:
    def lexicon(*args: str) -> str:
        return out(nlptk("minent", "lexicon", files["text"], "--min-prob", "1e-4", "--quiet", *args))

    defaults = cli_lexicon[0].read_text(encoding="utf-8")
    library = induce_lexicon(corpus_of(TEXT), MinentConfig(min_prob=1e-4))
    assert defaults == "".join(f"{word} {count}\n" for word, count in library.words)
    assert lexicon("--units", "words") == defaults
    compounds = lexicon("--units", "compounds")
    assert compounds == lexicon("--max-rounds", "10", "--min-pmi", "1", "--penalty", "0")
    assert compounds != defaults
    # options given explicitly override the preset, even when they give the words' value
    one_round = lexicon("--units", "compounds", "--max-rounds", "1")
    assert one_round == lexicon("--min-pmi", "1", "--penalty", "0") and one_round not in (defaults, compounds)
    strict = lexicon("--units", "compounds", "--min-pmi", "2", "--penalty", "2")
    assert strict == lexicon("--max-rounds", "10") != compounds


def test_cli_lexicon_errors(files: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("keep me\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    one_line_error(nlptk("minent", "lexicon", missing, "-o", target), str(missing), "no such file")
    one_line_error(nlptk("minent", "lexicon", files["empty"], "-o", target, "--quiet"), "no text")
    # without --quiet the character line may come first, but the error is the last line
    result = nlptk("minent", "lexicon", files["empty"], "-o", target)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 1 and "Traceback" not in err
    assert err.splitlines()[-1].startswith("nlptk: error:") and "no text" in err
    assert target.read_text(encoding="utf-8") == "keep me\n"  # not truncated by any failure
    usage_error(nlptk("minent", "lexicon"), "--state")
    usage_error(nlptk("minent", "lexicon", files["a"], "--min-prob", "0"), "--min-prob")
    usage_error(nlptk("minent", "lexicon", files["a"], "--max-rounds", "0"), "--max-rounds")


def test_cli_entropy(files: dict[str, Path], cli_lexicon: tuple[Path, str]) -> None:
    lexicon, _ = cli_lexicon
    lines = out(nlptk("minent", "entropy", files["text"], "--lexicon", lexicon)).splitlines()
    assert lines[0].split("\t") == ["units", "H", "l", "L", "distinct", "tokens"]
    assert len(lines) == 3
    chars, words = (line.split("\t") for line in lines[1:])
    assert chars[0] == "characters" and words[0] == str(lexicon)
    assert float(chars[2]) == 1.0
    assert float(words[3]) < 0.5 * float(chars[3])
    assert float(words[2]) > 2.0  # words of 2–3 characters
    expected = corpus_of(TEXT).entropy()
    assert float(chars[1]) == pytest.approx(expected.H, abs=1e-4)
    assert int(chars[5]) == expected.tokens and int(chars[4]) == expected.units
    one_line_error(nlptk("minent", "entropy", files["empty"]), "no text")


def test_cli_templates(files: dict[str, Path], tmp_path: Path) -> None:
    args = ("--lexicon", files["qlex"], "--min-prob", "1e-4", "--min-pmi", "0.5")
    text = out(nlptk("minent", "templates", files["questions"], *args))
    rows = [line.split("\t") for line in text.splitlines()]
    assert rows and all(len(row) == 2 and row[1].isdigit() for row in rows)
    found = {t: int(c) for t, c in rows}
    assert found == dict(induce_templates(question_lines(), question_lexicon(), TEMPLATE_CONFIG))
    assert {"X怎么办", "请问X", "X的X是什么"} <= {t for t, _ in rows[:6]}
    assert "X和X" not in found
    top = out(nlptk("minent", "templates", files["questions"], *args, "--top", "3", "--keep-trivial"))
    assert len(top.splitlines()) == 3
    assert "X和X" in out(nlptk("minent", "templates", files["questions"], *args, "--keep-trivial"))
    target = tmp_path / "t.tsv"
    assert out(nlptk("minent", "templates", files["questions"], *args, "-o", target)) == ""
    assert target.read_text(encoding="utf-8") == text
    one_line_error(nlptk("minent", "templates", files["empty"], "--lexicon", files["qlex"]), "no text")
    usage_error(nlptk("minent", "templates", files["questions"], "--window", "0"), "--window")


@pytest.fixture(scope="module")
def parse_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("parse")
    paths = {name: root / name for name in ("templates.tsv", "lexicon.txt", "input.txt", "bad.tsv")}
    paths["templates.tsv"].write_text("X和X\t10\nX的X是X呢\t5\nX可以X吗\t3\n", encoding="utf-8")
    words = ["雪梨", "苹果", "香蕉", "颜色", "什么", "鸡蛋", "可以", "你好", "吃", "和", "的", "是", "呢", "吗"]
    Lexicon.from_counts(dict.fromkeys(words, 10)).save(paths["lexicon.txt"])
    paths["input.txt"].write_text("雪梨和苹果和香蕉的颜色是什么呢\n你好，鸡蛋可以吃吗？\n", encoding="utf-8")
    paths["bad.tsv"].write_text("X和X\t10\nX的X\tmany\n", encoding="utf-8")
    return paths


def test_cli_parse_bracketed(parse_files: dict[str, Path]) -> None:
    args = ("--templates", parse_files["templates.tsv"], "--lexicon", parse_files["lexicon.txt"])
    lines = out(nlptk("minent", "parse", *args, parse_files["input.txt"])).splitlines()
    assert lines == ["(((雪梨)和(苹果))和(香蕉))的(颜色)是(什么)呢", "你好，(鸡蛋)可以(吃)吗？"]
    # stdin by default
    piped = out(nlptk("minent", "parse", *args, stdin="雪梨和苹果\n".encode()))
    assert piped == "(雪梨)和(苹果)\n"


def test_cli_parse_jsonl(parse_files: dict[str, Path]) -> None:
    args = ("--templates", parse_files["templates.tsv"], "--lexicon", parse_files["lexicon.txt"])
    lines = out(nlptk("minent", "parse", *args, "--format", "jsonl", parse_files["input.txt"])).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["text"] for r in records] == ["雪梨和苹果和香蕉的颜色是什么呢", "你好，鸡蛋可以吃吗？"]
    [tree] = records[0]["parse"]
    assert tree["template"] == "X的X是X呢" and len(tree["slots"]) == 3
    assert tree["slots"][0]["template"] == "X和X"
    parts = records[1]["parse"]
    assert parts[1] == "，" and parts[3] == "？"
    assert parts[0] == {"text": "你好", "template": None, "words": ["你好"]}
    assert parts[2]["template"] == "X可以X吗"


def test_cli_parse_bad_templates(parse_files: dict[str, Path], tmp_path: Path) -> None:
    bad = parse_files["bad.tsv"]
    one_line_error(nlptk("minent", "parse", "--templates", bad, parse_files["input.txt"]), str(bad), "line 2")
    missing = tmp_path / "missing.tsv"
    one_line_error(nlptk("minent", "parse", "--templates", missing, parse_files["input.txt"]), str(missing))


def test_best_split_is_the_lexicon_dp_on_han_text() -> None:
    rng = random.Random(3)
    chars = "甲乙丙丁戊己庚"
    for _ in range(200):
        table = {"".join(rng.choices(chars, k=rng.randint(1, 3))): rng.randint(1, 50) for _ in range(8)}
        text = "".join(rng.choices(chars, k=rng.randint(1, 12)))
        lexicon = Lexicon.from_counts(table)
        words, _ = best_split(text, table, lexicon.total, lexicon.max_word_length)
        assert words == segment(text, lexicon), (table, text)
