"""Tests for nlptk.overlap: corpus BLEU with several references, ROUGE-N / ROUGE-L F1, LCS."""

from __future__ import annotations

import math
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlptk.overlap import corpus_bleu, lcs_length, mean_rouge, ngrams, rouge_l, rouge_n

# --- n-grams -------------------------------------------------------------------------------------


def test_ngrams_counts() -> None:
    assert ngrams("abab", 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngrams("ab", 3) == {}
    assert sum(ngrams("晚风摇树树还挺", 1).values()) == 7


# --- BLEU ----------------------------------------------------------------------------------------


def test_bleu_hypothesis_equal_to_a_reference_is_one() -> None:
    assert corpus_bleu([["夜雨敲花花更香"]], ["夜雨敲花花更香"]) == pytest.approx(1.0)
    # Equal to the second of two references: still perfect (clipping by any reference, closest length).
    assert corpus_bleu([["秋月照人人自醉", "夜雨敲花花更香"]], ["夜雨敲花花更香"]) == pytest.approx(1.0)


def test_bleu_papineni_example_by_hand() -> None:
    refs = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
    hyp = ["the", "cat", "the", "cat", "on", "the", "mat"]
    # clipped precisions: 1-grams 5/7 (the: 3 → 2), 2-grams 4/6, 3-grams 2/5, 4-grams 1/4;
    # the hypothesis (7) is as long as the second reference, so no brevity penalty.
    expected = (5 / 7 * 4 / 6 * 2 / 5 * 1 / 4) ** (1 / 4)
    assert corpus_bleu([refs], [hyp]) == pytest.approx(expected)
    assert expected == pytest.approx(0.4671, abs=1e-4)


def test_bleu_clips_by_the_largest_count_in_any_one_reference() -> None:
    # 'a' occurs 2 and 3 times in the references: the clip is max(2, 3) = 3, not their sum.
    assert corpus_bleu([["aabb", "abaa"]], ["aaaa"], order=1) == pytest.approx(3 / 4)
    # with one reference the clip is 2
    assert corpus_bleu([["aabb"]], ["aaaa"], order=1) == pytest.approx(2 / 4)


def test_bleu_is_corpus_level_not_a_mean_of_sentences() -> None:
    refs = [["abcde"], ["vwxyz"]]
    hyps = ["abcde", "vwxyq"]
    # summed counts: 1-grams 9/10, 2-grams 7/8, 3-grams 5/6, 4-grams 3/4; equal lengths
    expected = (9 / 10 * 7 / 8 * 5 / 6 * 3 / 4) ** (1 / 4)
    assert corpus_bleu(refs, hyps) == pytest.approx(expected)
    sentence_mean = (1.0 + (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** (1 / 4)) / 2
    assert not math.isclose(expected, sentence_mean, rel_tol=1e-3)


def test_bleu_brevity_penalty() -> None:
    # every n-gram of the hypothesis matches, but it is shorter than the reference (6 vs 8)
    assert corpus_bleu([["abcdefgh"]], ["abcdef"]) == pytest.approx(math.exp(1 - 8 / 6))
    # a longer hypothesis is not penalised by length (only by precision)
    assert corpus_bleu([["abcdef"]], ["abcdefgh"]) == pytest.approx((6 / 8 * 5 / 7 * 4 / 6 * 3 / 5) ** 0.25)


def test_bleu_brevity_uses_the_closest_reference_length_shorter_on_ties() -> None:
    # lengths 4 and 8 are both 2 away from 6: the shorter counts, so no penalty
    assert corpus_bleu([["abcd", "abcdefgh"]], ["abcdef"]) == pytest.approx(1.0)
    # the closest length (7) counts, not the longest (12) or the shortest (2)
    refs = ["ab", "abcdefg", "abcdefghijkl"]
    assert corpus_bleu([refs], ["abcdef"]) == pytest.approx(math.exp(1 - 7 / 6))


def test_bleu_zero_when_some_order_has_no_match() -> None:
    # unigrams and bigrams match, no 3-gram does (abdc vs abcd: abd, bdc absent)
    assert corpus_bleu([["abcd"]], ["abdc"]) == 0.0
    assert corpus_bleu([["abcd"]], ["abdc"], order=2) == pytest.approx((4 / 4 * 1 / 3) ** 0.5)
    # a hypothesis shorter than the order has no 4-gram at all
    assert corpus_bleu([["abc"]], ["abc"]) == 0.0
    assert corpus_bleu([["abc"]], ["abc"], order=3) == pytest.approx(1.0)
    # nothing in common
    assert corpus_bleu([["abcd"]], ["wxyz"]) == 0.0


def test_bleu_empty_hypotheses() -> None:
    assert corpus_bleu([["abcd"]], [""]) == 0.0
    assert corpus_bleu([], []) == 0.0


def test_bleu_errors() -> None:
    with pytest.raises(ValueError, match="every hypothesis"):
        corpus_bleu([["abcd"]], ["abcd", "efgh"])
    with pytest.raises(ValueError, match="at least one reference"):
        corpus_bleu([["abcd"], []], ["abcd", "abcd"])


# --- ROUGE ---------------------------------------------------------------------------------------


def test_rouge_identical_is_one() -> None:
    assert rouge_n("北京迎来大雪", "北京迎来大雪", 1) == pytest.approx(1.0)
    assert rouge_n("北京迎来大雪", "北京迎来大雪", 2) == pytest.approx(1.0)
    assert rouge_l("北京迎来大雪", "北京迎来大雪") == pytest.approx(1.0)


def test_rouge_by_hand() -> None:
    # one substitution: 3 of 4 unigrams, 1 of 3 bigrams (ab), LCS abd = 3
    assert rouge_n("abcd", "abxd", 1) == pytest.approx(0.75)
    assert rouge_n("abcd", "abxd", 2) == pytest.approx(1 / 3)
    assert rouge_l("abcd", "abxd") == pytest.approx(0.75)
    # a prefix: precision 1, recall 1/2 → F1 2/3
    assert rouge_n("abcdef", "abc", 1) == pytest.approx(2 / 3)
    assert rouge_l("abcdef", "abc") == pytest.approx(2 / 3)
    # the same characters in another order: ROUGE-1 is 1, ROUGE-L counts the LCS (abd or abc: 3 of 5)
    assert rouge_n("abcde", "aebdc", 1) == pytest.approx(1.0)
    assert rouge_l("abcde", "aebdc") == pytest.approx(0.6)
    # n-grams are clipped: 'aaaa' shares two a's with 'aabb' → P 2/4, R 2/4
    assert rouge_n("aabb", "aaaa", 1) == pytest.approx(0.5)


def test_rouge_without_overlap_or_too_short() -> None:
    assert rouge_n("abc", "xyz", 1) == 0.0
    assert rouge_l("abc", "xyz") == 0.0
    assert rouge_n("abc", "a", 2) == 0.0
    assert rouge_n("", "", 1) == 0.0
    assert rouge_l("", "abc") == 0.0


def test_lcs_by_hand() -> None:
    assert lcs_length("ABCBDAB", "BDCABA") == 4
    assert lcs_length("", "abc") == 0
    assert lcs_length("abc", "abc") == 3
    assert lcs_length("晚风摇树树还挺", "风树还") == 3


def test_mean_rouge() -> None:
    scores = mean_rouge(["abcd", "abcdef"], ["abxd", "abc"])
    assert scores["rouge-1"] == pytest.approx((0.75 + 2 / 3) / 2)
    assert scores["rouge-2"] == pytest.approx((1 / 3 + 2 * (2 / 2) * (2 / 5) / (2 / 2 + 2 / 5)) / 2)
    assert scores["rouge-l"] == pytest.approx((0.75 + 2 / 3) / 2)
    assert set(scores) == {"rouge-1", "rouge-2", "rouge-l"}


def test_mean_rouge_errors() -> None:
    with pytest.raises(ValueError):
        mean_rouge([], [])
    with pytest.raises(ValueError):
        mean_rouge(["abc"], ["abc", "abd"])


# --- properties ----------------------------------------------------------------------------------

TEXT = st.text(alphabet="abc春风", max_size=9)


def _lcs_brute(a: str, b: str) -> int:
    @cache
    def go(i: int, j: int) -> int:
        if i == len(a) or j == len(b):
            return 0
        if a[i] == b[j]:
            return 1 + go(i + 1, j + 1)
        return max(go(i + 1, j), go(i, j + 1))

    return go(0, 0)


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT)
def test_lcs_properties(a: str, b: str) -> None:
    length = lcs_length(a, b)
    assert length == lcs_length(b, a)
    assert 0 <= length <= min(len(a), len(b))
    assert length == _lcs_brute(a, b)
    assert lcs_length(a, a) == len(a)


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT, st.integers(1, 3))
def test_rouge_properties(reference: str, hypothesis: str, n: int) -> None:
    for score in (rouge_n(reference, hypothesis, n), rouge_l(reference, hypothesis)):
        assert 0.0 <= score <= 1.0 + 1e-12
    # F1 is symmetric in the two texts
    assert rouge_n(reference, hypothesis, n) == pytest.approx(rouge_n(hypothesis, reference, n))
    assert rouge_l(reference, hypothesis) == pytest.approx(rouge_l(hypothesis, reference))
    if len(reference) >= n:
        assert rouge_n(reference, reference, n) == pytest.approx(1.0)
    # ROUGE-L F1 is at most ROUGE-1 F1 (an LCS is a clipped unigram match)
    assert rouge_l(reference, hypothesis) <= rouge_n(reference, hypothesis, 1) + 1e-12


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(TEXT, min_size=1, max_size=3), TEXT), min_size=1, max_size=4))
def test_bleu_properties(rows: list[tuple[list[str], str]]) -> None:
    references = [refs for refs, _ in rows]
    hypotheses = [hyp for _, hyp in rows]
    assert 0.0 <= corpus_bleu(references, hypotheses) <= 1.0 + 1e-12
    # every hypothesis equal to one of its references, all at least 4 long: perfect
    copies = [refs[0] for refs in references]
    if all(len(c) >= 4 for c in copies):
        assert corpus_bleu(references, copies) == pytest.approx(1.0)
