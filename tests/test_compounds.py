"""Tests for the compound level of nlptk.newwords and the rules it shares with the word level."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import corpus_file, filler_chars, invoke, out

from nlptk.lexicon import function_characters, jieba_dictionary
from nlptk.newwords import DiscoveryConfig, Word, discover_words, reject_fragments
from nlptk.newwords.boundary import LONG_AFFIX, well_formed
from nlptk.newwords.compounds import VERB_MARGIN, FrequentPairs, SingleParts, compound_sides, span_hashes, unit_cohesion

# Two free words that also occur together far more often than chance: 数字经济 has a unit
# cohesion of about ln 110 (between the compound threshold, ln 4, and the 4-gram one, ln 6).
MODIFIER, HEAD = "数字", "经济"
COMPOUND = MODIFIER + HEAD


def compound_corpus(seed: int = 5, chars: int = 200_000) -> str:
    rng = random.Random(seed)
    reserved = set(COMPOUND)
    filler = filler_chars(600, "".join(reserved))
    parts: list[str] = []
    length = 0
    while length < chars:
        roll = rng.random()
        piece = COMPOUND if roll < 0.002 else MODIFIER if roll < 0.006 else HEAD if roll < 0.010 else rng.choice(filler)
        parts.append(piece)
        length += len(piece)
        if rng.random() < 0.05:
            parts.append("。\n")
    return "".join(parts) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_file(tmp_path_factory, "compounds", compound_corpus())


def test_a_compound_of_two_free_words_is_found_at_the_compound_level(corpus: Path) -> None:
    found = {w.word: w for w in discover_words([str(corpus)], DiscoveryConfig(min_count=20))}
    words_only = {w.word for w in discover_words([str(corpus)], DiscoveryConfig(min_count=20, compounds=False))}
    assert {MODIFIER, HEAD} <= set(found) and {MODIFIER, HEAD} <= words_only
    assert COMPOUND in found and COMPOUND not in words_only  # the 4-gram's ratio is below ln 6
    compound = found[COMPOUND]
    assert DiscoveryConfig().compound_threshold <= compound.cohesion < DiscoveryConfig().threshold(4)
    assert compound.left_entropy > 2 and compound.right_entropy > 2  # random filler on both sides
    strict = discover_words([str(corpus)], DiscoveryConfig(min_count=20, compound_threshold=8.0))
    assert COMPOUND not in {w.word for w in strict}


def test_cli_units_words_leaves_compounds_out(corpus: Path) -> None:
    default = out(invoke("newwords", str(corpus), "--min-count", "20", "--quiet"))
    words = out(invoke("newwords", str(corpus), "--min-count", "20", "--quiet", "--units", "words"))
    assert COMPOUND in {line.split("\t")[0] for line in default.splitlines()}
    assert COMPOUND not in {line.split("\t")[0] for line in words.splitlines()}


def test_compound_sides_are_noun_phrases() -> None:
    dictionary = jieba_dictionary()
    units = ["数字", "经济", "强化", "责任", "稳步", "提升", "房", "届", "式", "间"]
    ids = {c: i for i, c in enumerate(["", *[u for u in units if len(u) == 1]])}
    singles = SingleParts.of(
        np.array([0, *[ord(c) for c in ids if c]], dtype=np.uint32), function_characters(), dictionary.edges, LONG_AFFIX
    )
    first, last = compound_sides(set(units), set(), dictionary, singles, ids)
    assert first["数字"] == 0 and last["经济"] == 0  # nouns
    assert first["强化"] == VERB_MARGIN and last["责任"] == 0  # a verb leads: it needs more evidence
    assert "稳步" not in first  # an adverb leads no compound
    assert "房" in last and "届" not in first and "式" not in first  # 房 ends many words; 届, 式 begin few
    assert "间" in last  # a localiser that ends many words (单人间, 洗手间) may end one: 豪华间


def test_unit_cohesion_needs_both_sides_and_the_threshold() -> None:
    sides = ({"数字": 0.0, "强化": VERB_MARGIN}, {"经济": 0.0, "责任": 0.0})
    pieces = {"数字": 600, "经济": 600, "强化": 600, "责任": 600}
    sequences = {"数字经济": 200, "强化责任": 200, "经济数字": 200}
    passed = unit_cohesion(sequences, pieces, sides, 200_000, DiscoveryConfig())
    ratio = np.log(200 * 200_000 / (600 * 600))
    assert passed == {"数字经济": pytest.approx(ratio)}  # 强化责任: ratio - 2 < 4; 经济数字: no left side 经济
    assert ratio - VERB_MARGIN < DiscoveryConfig().compound_threshold < ratio


def test_span_hashes_depend_on_the_content_only() -> None:
    block = np.array([5, 7, 9, 0, 5, 7, 9, 4], dtype=np.uint32)
    prefix, inverse = span_hashes(block)
    with np.errstate(over="ignore"):
        first = (prefix[3] - prefix[0]) * inverse[0]
        again = (prefix[7] - prefix[4]) * inverse[4]
        other = (prefix[8] - prefix[5]) * inverse[5]
    assert first == again and first != other


def test_frequent_pairs_membership() -> None:
    pairs = FrequentPairs(np.array([1, 2, 3]), np.array([2, 3, 1]), vocab_size=10)
    found = pairs.contains(np.array([1, 2, 3, 1, 9, 0]), np.array([2, 3, 1, 3, 9, 0]))
    assert found.tolist() == [True, True, True, False, False, False]


def test_function_edges_that_make_words_are_kept() -> None:
    """A function character at an edge where it makes many dictionary words does not make a fragment."""
    pieces = {"北京冬奥", "发出", "能量", "田野"}
    assert well_formed("北京冬奥会", pieces)  # 会 ends 运动会, 博览会, …
    assert well_formed("正能量", pieces)  # 正 begins 正规军, …
    assert not well_formed("发出了", pieces) and not well_formed("的田野", pieces)
    assert not well_formed("规律的认识", pieces)  # 的 inside: a phrase

    def word(text: str) -> Word:
        return Word(text, 10, 5.0, 2.0, 2.0, 0.2, 0.2)

    kept = [w.word for w in reject_fragments([word(t) for t in ("韩正", "共赢", "叫我", "被打")], DiscoveryConfig())]
    assert kept == ["韩正", "共赢"]  # 正 ends 公正, 共 begins 共享; 我 ends and 被 begins few two-character words


def test_cli_newwords_defaults_are_the_library_defaults() -> None:
    import typer

    from nlptk.cli import app
    from nlptk.newwords import WordSelection

    command = typer.main.get_command(app).commands["newwords"]
    defaults = {param.name: param.default for param in command.params}
    config, selection = DiscoveryConfig(), WordSelection()
    assert (defaults["order"], defaults["min_count"]) == (config.order, config.min_count)
    assert defaults["thresholds"] == ",".join(f"{t:g}" for t in config.thresholds)
    assert (defaults["min_len"], defaults["max_len"], defaults["sort"].value) == (
        selection.min_len,
        selection.max_len,
        selection.sort,
    )
    assert selection.max_len >= 10  # the longest word found is bounded by --max-len, not by --order
    assert defaults["units"].value == "compounds" and config.compounds
