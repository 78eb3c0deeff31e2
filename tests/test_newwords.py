"""Tests for nlptk.newwords: word discovery on a synthetic corpus with planted words."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from conftest import corpus_file, filler_chars

from nlptk.errors import NlptkError, OptionError
from nlptk.newwords import DiscoveryConfig, Word, WordSelection, discover_words, reject_fragments
from nlptk.newwords.cutting import _id_blocks_with_carry
from nlptk.ngrams import NgramCounter

# Planted words share no character with each other or with the filler.
WORDS = ["北京大学", "人工智能", "机器翻译", "自然语言", "葡萄酒", "区块链", "玻璃", "蝴蝶", "垃圾", "骆驼"]
# A collocation whose last character is also very common on its own: 咖啡 is always followed by 杯,
# so the split 咖啡|杯 is bound and 咖啡杯 is one unit, though 杯 is too common for its ratio.
COLLOCATION = "咖啡杯"


def make_corpus(seed: int = 7, lines: int = 4000) -> str:
    rng = random.Random(seed)
    planted = set("".join(WORDS) + COLLOCATION)
    filler = filler_chars(800, "".join(planted))
    out = []
    for _ in range(lines):
        parts = []
        for _ in range(rng.randint(4, 12)):
            roll = rng.random()
            if roll < 0.012:
                parts.append(rng.choice(WORDS))
            elif roll < 0.014:
                parts.append(COLLOCATION)
            elif roll < 0.2:
                parts.append("杯")
            else:
                parts.append(rng.choice(filler))
            if rng.random() < 0.1:
                parts.append(rng.choice("，。、！ "))
        out.append("".join(parts))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_file(tmp_path_factory, "newwords", make_corpus())


def _key(words: list[Word]) -> list[tuple]:
    """Words as comparable tuples (nan != nan, so compare the reprs of the floats)."""
    return [
        (w.word, w.count, *map(repr, (w.cohesion, w.left_entropy, w.right_entropy, w.left_share, w.right_share)))
        for w in words
    ]


def test_recovers_planted_words(corpus: Path) -> None:
    words = discover_words([str(corpus)], DiscoveryConfig(min_count=5))
    found = {w.word: w for w in words}
    assert set(WORDS) <= set(found)
    for planted in WORDS:
        word = found[planted]
        assert word.count >= 5
        assert word.cohesion >= DiscoveryConfig().threshold(len(planted))
        assert word.left_entropy > 1 and word.right_entropy > 1
        # No proper piece of a planted word is reported as a word of its own.
        for k in range(2, len(planted)):
            for i in range(len(planted) - k + 1):
                assert planted[i : i + k] not in found
    # Single characters come with nan statistics; multi-character words with finite ones.
    assert all(math.isnan(w.cohesion) for w in words if len(w.word) == 1)
    assert all(math.isfinite(w.cohesion) for w in words if len(w.word) > 1)
    # Most frequent first, ties by the word.
    assert [(-w.count, w.word) for w in words] == sorted((-w.count, w.word) for w in words)
    # Random filler pairs are not words.
    spurious = [w.word for w in words if len(w.word) > 1 and w.word not in WORDS]
    assert len(spurious) <= 2, spurious


def test_fragment_is_rejected(corpus: Path) -> None:
    strict = {w.word: w for w in discover_words([str(corpus)], DiscoveryConfig(min_count=5))}
    loose = {w.word: w for w in discover_words([str(corpus)], DiscoveryConfig(min_count=5, reject_fragments=False))}
    assert set(strict) <= set(loose)
    assert "咖啡杯" in strict and "咖啡" not in loose
    assert strict["咖啡杯"].cohesion < DiscoveryConfig().threshold(3)  # passed by the bound split, not the ratio
    for word, stats in strict.items():
        assert _key([loose[word]]) == _key([stats])


def test_deterministic(corpus: Path) -> None:
    config = DiscoveryConfig(min_count=5)
    first = discover_words([str(corpus)], config)
    second = discover_words([str(corpus)], config)
    assert _key(first) == _key(second)


def test_small_memory_gives_the_same_words(corpus: Path) -> None:
    """The smallest budget (1M), with which the stores of the cut pass spill to disk, changes nothing."""
    big = discover_words([str(corpus)], DiscoveryConfig(min_count=5))
    small = discover_words([str(corpus)], DiscoveryConfig(min_count=5, memory=1 << 20))
    assert _key(small) == _key(big)


def test_input_split_over_files_and_glob(corpus: Path, tmp_path: Path) -> None:
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "a.txt").write_text("".join(lines[:half]), encoding="utf-8")
    (tmp_path / "b.txt").write_text("".join(lines[half:]), encoding="utf-8")
    whole = discover_words([str(corpus)], DiscoveryConfig(min_count=5))
    split = discover_words([str(tmp_path / "*.txt")], DiscoveryConfig(min_count=5))
    assert _key(split) == _key(whole)


def test_higher_min_count_gives_a_subset(corpus: Path) -> None:
    low = {w.word for w in discover_words([str(corpus)], DiscoveryConfig(min_count=5, reject_fragments=False))}
    high = discover_words([str(corpus)], DiscoveryConfig(min_count=40, reject_fragments=False))
    assert all(w.count >= 40 for w in high)
    assert {w.word for w in high} <= low


def test_threshold_grows_by_two_past_the_list() -> None:
    config = DiscoveryConfig()
    assert config.thresholds == (2.0, 4.0, 6.0)
    assert [config.threshold(n) for n in (2, 3, 4)] == [2.0, 4.0, 6.0]
    assert [config.threshold(n) for n in (5, 6, 7, 8)] == [8.0, 10.0, 12.0, 14.0]
    short = DiscoveryConfig(thresholds=(1.5,))
    assert [short.threshold(n) for n in (2, 3, 4, 5)] == [1.5, 3.5, 5.5, 7.5]
    two = DiscoveryConfig(thresholds=(3.0, 4.0))
    assert [two.threshold(n) for n in (2, 3, 4, 5)] == [3.0, 4.0, 6.0, 8.0]


def test_reject_fragments_rules() -> None:
    config = DiscoveryConfig()

    def word(text: str, share: float = 0.2, entropy: float = 2.0) -> Word:
        return Word(text, 10, 5.0, entropy, entropy, share, share)

    words = [
        word("田野"),
        word("的田野"),  # function character + a discovered word
        word("枝繁叶", share=0.9),  # nearly always followed by the same character
        word("单调", entropy=0.3),  # neighbours barely vary
        word("31日"),  # a quantity
        word("2024"),
        word("MP3"),  # letters with digits are fine
        word("好"),  # one character: never judged by its neighbours
    ]
    kept = [w.word for w in reject_fragments(words, config)]
    assert kept == ["田野", "MP3", "好"]


def test_compositions_of_function_words_are_rejected() -> None:
    def word(text: str) -> Word:
        return Word(text, 10, 5.0, 2.0, 2.0, 0.2, 0.2)

    fragments = ["也是", "他说", "要把", "将于", "党的", "带着", "住过"]
    candidates = [*fragments, "但是", "也门", "大数据", "快递小哥", "可持续"]
    kept = [w.word for w in reject_fragments([word(t) for t in candidates], DiscoveryConfig())]
    # 但是 is made of function characters too, but it is a word of jieba's dictionary.
    assert kept == ["但是", "也门", "大数据", "快递小哥", "可持续"]


def test_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(NlptkError, match="no text"):
        discover_words([str(empty)])
    punct = tmp_path / "punct.txt"
    punct.write_text("，。！ \n？\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="no text"):
        discover_words([str(punct)])
    with pytest.raises(NlptkError, match="order"):
        discover_words([str(punct)], DiscoveryConfig(order=1))
    with pytest.raises(NlptkError, match="no such file"):
        discover_words([str(tmp_path / "missing.txt")])


def test_tiny_inputs(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("中", encoding="utf-8")
    assert [(w.word, w.count) for w in discover_words([str(one)], DiscoveryConfig(min_count=1))] == [("中", 1)]
    assert discover_words([str(one)], DiscoveryConfig(min_count=2)) == []


def test_cut_blocks_end_at_fragment_boundaries_whatever_the_chunks() -> None:
    """The cut pass works in budget-sized blocks that end after a separator, the same for any reading."""
    text = make_corpus(lines=600)

    def blocks(chunk: int) -> list[str]:
        """Each block as text, with | for a separator (ids depend on the chunks, characters do not)."""
        with NgramCounter(order=4, keep_ids=True) as counter:
            counter.add_all(text[i : i + chunk] for i in range(0, len(text), chunk))
            units = ["|", *counter.vocab.to_list()]
            return ["".join(units[i] for i in block.tolist()) for block in _id_blocks_with_carry(counter, 500)]

    first = blocks(997)
    assert first == blocks(20_000)
    assert len(first) > 5 and all(block.endswith("|") for block in first)
    assert all(len(block) <= 500 or "|" not in block[:500] for block in first)


def test_score_order_puts_the_best_evidenced_first() -> None:
    def word(text: str, count: int, cohesion: float, entropy: float) -> Word:
        return Word(text, count, cohesion, entropy, entropy + 1, 0.2, 0.2)

    words = [word("也是", 900, 1.0, 3.0), word("青禾", 40, 6.0, 2.5), word("好", 50, math.nan, 2.0)]
    words.append(word("茶农", 60, 5.5, 3.0))
    assert words[1].score == 8.5 and math.isnan(words[2].score)
    by_score = [w.word for w in WordSelection(min_len=1).select(words)]
    assert by_score == ["茶农", "青禾", "也是", "好"]  # 8.5 ties 8.5: the more frequent first; no score last
    assert [w.word for w in WordSelection(min_len=1, sort="count").select(words)] == ["也是", "茶农", "好", "青禾"]
    with pytest.raises(OptionError, match="sort"):
        WordSelection(sort="length")


def test_words_with_a_grammatical_edge_are_rejected() -> None:
    def word(text: str) -> Word:
        return Word(text, 10, 5.0, 2.0, 2.0, 0.2, 0.2)

    fragments = ["二是", "个月", "场比赛", "很好", "较贵", "悟空道", "范围内", "站在", "听得"]
    words = ["悟空", "次仁", "亦舒", "颍上", "共赢", "次生灾害", "也门"]
    kept = [w.word for w in reject_fragments([word(t) for t in fragments + words], DiscoveryConfig())]
    assert kept == words


def test_adverb_phrases_and_free_pairs_are_rejected() -> None:
    def word(text: str, cohesion: float = 5.0) -> Word:
        return Word(text, 10, cohesion, 2.0, 2.0, 0.2, 0.2)

    # An adverb (or 的) before a dictionary word, a two-character adverb and a word, two free words
    # that barely stick together; 正 begins many words (正规军), so 正能量 stays, and a free pair
    # that sticks well (a pair threshold of 2 nats, 1 more for free characters) stays too.
    fragments = [word("刚收到"), word("的身影"), word("慢慢地"), word("经常死机"), word("用好", 2.5), word("书中", 2.9)]
    words = [word("正能量"), word("快递小哥"), word("用好", 3.1), word("带货", 2.5)]
    kept = [(w.word, w.cohesion) for w in reject_fragments(fragments + words, DiscoveryConfig())]
    assert kept == [(w.word, w.cohesion) for w in words]


def test_single_entropies_only_when_asked(corpus: Path) -> None:
    """Leaving out the single characters' neighbours changes nothing but their entropies."""
    full = discover_words([str(corpus)], DiscoveryConfig(min_count=5))
    lean = discover_words([str(corpus)], DiscoveryConfig(min_count=5, single_entropies=False))
    assert _key([w for w in full if len(w.word) > 1]) == _key([w for w in lean if len(w.word) > 1])
    assert all(math.isfinite(w.left_entropy) for w in full if len(w.word) == 1)
    assert all(math.isnan(w.left_entropy) for w in lean if len(w.word) == 1)
    assert [w.word for w in full] == [w.word for w in lean]


def test_clauses_are_rejected_and_words_that_contain_their_parts_stay() -> None:
    def word(text: str) -> Word:
        return Word(text, 10, 5.0, 2.0, 2.0, 0.2, 0.2)

    # A pronoun, a preposition first, a modal first, a degree adverb before a predicate, the copula,
    # a modal particle, an adverb last, English function words and markup, a determiner first, a
    # subject and a verb of reporting, the reflexive, a negation first, the aspect particle 着, a
    # noun and an adjective, a classifier that lost its number.
    fragments = ["请您", "帮我拿", "离地铁", "凭房卡", "没法穿", "差点晕倒", "有点冷清", "分辨率太差", "空间太小"]
    fragments += ["超慢", "全是油", "脏啊垃圾", "今天刚", "the", "quot", "hellip", "各种理由", "整个卫生间"]
    fragments += ["视频显示", "赵克志参加", "总部位于", "自己掏", "不通知", "不会改变", "出差带着", "画面清晰"]
    fragments += ["号楼", "部电梯", "有点小贵", "特别关注", "从下单到", "忽见"]
    # The same characters inside words of the dictionary (迷你, 太阳, 于是, 所有制), 超 as a prefix
    # of a noun, 望 before no verb, a localiser that also ends room names, Latin terms, 着 and 自己
    # inside words (意味着, 自己人), a noun jieba tags as an adjective (清单), adverbs that are also
    # adjectives before a noun (特别, 比较).
    words = ["迷你版", "太阳能板", "于是乎", "所有制结构", "超算", "超级工程", "望京", "豪华间", "ThinkPad", "HDMI"]
    words += ["负面报道", "液晶显示器", "意味着什么", "自己人", "负面清单", "号召力", "特别提款权", "比较优势"]
    kept = [w.word for w in reject_fragments([word(t) for t in fragments + words], DiscoveryConfig())]
    assert kept == words
