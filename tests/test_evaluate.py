"""Tests for nlptk.evaluate: SIGHAN-style segmentation scoring."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from nlptk.errors import NlptkError
from nlptk.evaluate import SegScore, format_score, load_word_list, score_segmentation
from nlptk.io import read_lines, resolve_inputs

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PKU = DATA / "cws" / "pku"


def _lines(path: Path) -> list[str]:
    return list(read_lines(resolve_inputs([str(path)])))


def test_perfect_score() -> None:
    gold = ["我 喜欢 北京", "", "天安门 广场"]
    score = score_segmentation(gold, gold, {"我", "喜欢"})
    assert score.precision == score.recall == score.f1 == 1.0
    assert score.oov_recall == score.iv_recall == 1.0
    assert score.oov_rate == pytest.approx(3 / 5)
    assert (score.gold_words, score.pred_words, score.lines) == (5, 5, 3)


def test_hand_computed_example() -> None:
    gold = ["我 喜欢 北京 天安门", "天安门 广场"]
    pred = ["我 喜欢 北京天安门", "天安门 广 场"]
    score = score_segmentation(gold, pred, {"我", "喜欢", "北京", "广场"})
    # gold 6 words, pred 6 words, correct: 我 喜欢 天安门(line 2) = 3
    assert (score.gold_words, score.pred_words) == (6, 6)
    assert score.precision == pytest.approx(3 / 6)
    assert score.recall == pytest.approx(3 / 6)
    assert score.f1 == pytest.approx(0.5)
    # OOV gold tokens: 天安门 twice, one found; IV: 我 喜欢 北京 广场, two found.
    assert score.oov_rate == pytest.approx(2 / 6)
    assert score.oov_recall == pytest.approx(1 / 2)
    assert score.iv_recall == pytest.approx(2 / 4)


def test_precision_differs_from_recall() -> None:
    score = score_segmentation(["我 喜欢 北京 天安门"], ["我 喜欢 北京天安门"], None)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 4)
    assert score.f1 == pytest.approx(4 / 7)
    assert score.oov_rate is None and score.oov_recall is None and score.iv_recall is None


def test_same_text_different_spans_do_not_match() -> None:
    # 'ab' at offset 0 vs 'ab' at offset 2 are different words.
    score = score_segmentation(["ab ab"], ["a bab"], None)
    assert score.precision == 0.0 and score.recall == 0.0 and score.f1 == 0.0


def test_crlf_bom_gold_file(tmp_path: Path) -> None:
    gold = tmp_path / "gold.utf8"
    pred = tmp_path / "pred.utf8"
    gold.write_bytes("\ufeff我 喜欢  北京\r\n\r\n天安门 广场\r\n".encode())
    pred.write_text("我 喜欢 北 京\n\n天安门 广场\n", encoding="utf-8")
    score = score_segmentation(_lines(gold), _lines(pred), None)
    assert (score.gold_words, score.pred_words, score.lines) == (5, 6, 3)
    assert score.recall == pytest.approx(4 / 5) and score.precision == pytest.approx(4 / 6)


def test_trailing_blank_lines_are_ignored() -> None:
    score = score_segmentation(["我 们", "", ""], ["我们"], None)
    assert score.lines == 1 and score.gold_words == 2


def test_misaligned_text_names_the_line() -> None:
    with pytest.raises(NlptkError, match=r"line 2: gold and prediction differ in text \(gold '.*天安门.*', pred"):
        score_segmentation(["我 喜欢", "天安门 广场"], ["我 喜欢", "天门 广场"], None)
    with pytest.raises(NlptkError, match="line 1: "):
        score_segmentation([""], ["多余"], None)


def test_different_line_counts() -> None:
    with pytest.raises(NlptkError, match=r"gold 3 lines, prediction 2 lines"):
        score_segmentation(["甲", "乙", "丙"], ["甲", "乙"], None)
    with pytest.raises(NlptkError, match=r"gold 1 lines, prediction 2 lines"):
        score_segmentation(["甲"], ["甲", "乙"], None)


def test_load_word_list_and_format(tmp_path: Path) -> None:
    path = tmp_path / "words.utf8"
    path.write_bytes("\ufeff我\r\n喜欢 3\r\n\r\n北京\r\n".encode())
    words = load_word_list(path)
    assert words == {"我", "喜欢", "北京"}
    score = score_segmentation(["我 喜欢 北京 天安门"], ["我 喜欢 北京天安门"], words)
    text = format_score(score)
    assert "F1" in text and "0.5714" in text and "OOV recall" in text
    assert score.as_dict()["oov_recall"] == 0.0
    assert SegScore(**score.as_dict()) == score
    assert "n/a" in format_score(score_segmentation(["甲"], ["甲"], None))


@pytest.mark.skipif(not PKU.exists(), reason="shared PKU data (../shared/data/cws/pku) is not available")
def test_pku_gold_against_itself_and_jieba() -> None:
    from nlptk.lexicon import Lexicon, segment_lines

    gold = _lines(PKU / "pku_test_gold.utf8")
    training = load_word_list(PKU / "pku_training_words.utf8")
    assert len(training) > 50_000
    perfect = score_segmentation(gold, gold, training)
    assert perfect.f1 == 1.0 and perfect.oov_recall == 1.0 and perfect.lines > 1900

    raw = list(islice(read_lines(resolve_inputs([str(PKU / "pku_test.utf8")])), 50))
    pred = list(segment_lines(raw, Lexicon.jieba()))
    score = score_segmentation(gold[:50], pred, training)
    assert score.f1 > 0.75


def test_nothing_to_score_is_an_error_not_a_perfect_score() -> None:
    with pytest.raises(NlptkError, match="no words to score"):
        score_segmentation([], [])
    with pytest.raises(NlptkError, match="no words to score"):
        score_segmentation(["", "  "], ["", ""])


def test_word_list_encoding_errors(tmp_path) -> None:
    path = tmp_path / "words.txt"
    path.write_bytes(b"\xe5\x8c\x97\xe4\xba\xac\n\xff\n")
    with pytest.raises(NlptkError, match="--encoding-errors"):
        load_word_list(path)
    assert load_word_list(path, "ignore") == {"北京"}
