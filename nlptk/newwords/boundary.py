"""Boundary statistics of pieces (branching entropy, top neighbour share) and fragment rejection."""

from __future__ import annotations

import math
from collections.abc import Container, Iterable
from dataclasses import dataclass

import numpy as np

from nlptk.lexicon import function_characters, jieba_dictionary
from nlptk.newwords.clauses import ADJECTIVAL_ADVERBS, PREDICATE_TAGS, is_clause
from nlptk.newwords.config import DiscoveryConfig, Word
from nlptk.ngrams.keys import KeyLayout
from nlptk.text import CharClass, classify

PARTICLES = frozenset("的了着过")  # structural and aspect particles that end a phrase, not a word
DEMONSTRATIVES = frozenset("这那此其某")  # they begin no new word: 这趟, 那老者, 此次峰会, 某愿
DETERMINERS = ("各种", "整个", "所有", "每个", "一些", "任何", "全部", "某些", "有些", "每一")  # 各种理由, 整个卫生间
ADVERB_TAGS = frozenset({"d", "ad"})
INNER_PARTICLES = frozenset("的了")  # inside a new word of three or more: a phrase (规律的认识, 作了说明)
NUMERALS = frozenset("一二三四五六七八九十两几")
CLASSIFIERS = frozenset("个场位批")  # classifiers that begin no word: 个月, 场比赛 are a count and a noun
UNTAGGED_CLASSIFIERS = frozenset("号部种件块栋")  # classifiers jieba tags otherwise (号 and 种 as numerals)
ADVERBS = frozenset("不也就都还又将只已却最更再才便正则曾约先太均未越极仅竟刚很挺较稍偏遂忽皆即")
SPEECH_VERBS = frozenset("道曰说称问答")  # 八戒道, 叹曰, 当天称: a speaker and the verb of speaking
# 范围内, 结帐时: a noun and its place or time (not 间, which is also a room: 豪华间)
LOCALISERS = frozenset("上中下里内外前后边旁底时")
COMPLEMENTS = frozenset("在得完")  # 站在, 听得, 吃完: a verb and its complement
PAIR_AFFIX = 50  # a function character at the edge of this many two-character dictionary words makes words there
LONG_AFFIX = 300  # the same for words of three or more characters (冬奥会 like 运动会, 正能量 like 正规军)
FREE_WORD = 10_000  # jieba's frequency of a one-character word that occurs freely on its own (书, 用, 看)
FREE_PAIR_MARGIN = 1.0  # nats above the pair threshold that two free characters need to be one word
# English function words and HTML entity names (&quot; &hellip;): the text's markup and English, not terms.
LATIN_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "all", "is", "are", "be", "to", "of", "in", "on", "at", "by", "for", "from", "and", "or"}
    | {"but", "not", "with", "it", "this"}
    | {"that", "you", "quot", "amp", "lt", "gt", "nbsp", "hellip", "ldquo", "rdquo", "lsquo", "rsquo", "mdash"}
    | {"ndash", "middot"}
)


@dataclass
class BranchingSums:
    """Per piece hash: its occurrences, Σ f·ln f over its real neighbours' counts f, and the
    largest f. A piece's pairs all lie in one partition (they share its hash), so the sums of
    one partition are final (:meth:`per_owner`)."""

    total: np.ndarray
    plogp: np.ndarray
    top: np.ndarray

    @classmethod
    def of(
        cls, counted: Iterable[tuple[np.ndarray, np.ndarray]], hashes: np.ndarray, layout: KeyLayout
    ) -> BranchingSums:
        """The sums of each of ``hashes`` from counted (hash|neighbour) keys, each partition sorted."""
        low = np.uint64((1 << layout.bits) - 1)
        order = np.argsort(hashes)
        members = hashes[order]
        sums = cls(np.zeros(len(hashes)), np.zeros(len(hashes)), np.zeros(len(hashes)))
        for keys, freq in counted:
            # Each member's (hash|neighbour) keys are one range of the sorted keys.
            owners = keys & ~low
            lo, hi = np.searchsorted(owners, members, "left"), np.searchsorted(owners, members, "right")
            found = np.flatnonzero(hi > lo)
            if not len(found):
                continue
            f = freq.astype(np.float64)
            real = np.where((keys & low) != 0, f, 0.0)  # a fragment boundary is no neighbour
            at = order[found]
            ranges = np.stack((lo[found], hi[found]), axis=1).ravel()
            sums.total[at] += _over_ranges(np.add, f, ranges)
            sums.plogp[at] += _over_ranges(np.add, real * np.log(np.maximum(real, 1)), ranges)
            sums.top[at] = np.maximum(sums.top[at], _over_ranges(np.maximum, real, ranges))
        return sums

    @classmethod
    def per_owner(cls, keys: np.ndarray, freq: np.ndarray, layout: KeyLayout) -> tuple[np.ndarray, BranchingSums]:
        """The distinct piece hashes of sorted counted (hash|neighbour) keys and the sums of each:
        the same sums :meth:`of` finds for them, from the same ranges of the same keys."""
        low = np.uint64((1 << layout.bits) - 1)
        owners = keys & ~low
        if not len(keys):
            return owners, cls(np.zeros(0), np.zeros(0), np.zeros(0))
        starts = np.concatenate(([0], np.flatnonzero(owners[1:] != owners[:-1]) + 1))
        ranges = np.stack((starts, np.append(starts[1:], len(keys))), axis=1).ravel()
        f = freq.astype(np.float64)
        real = np.where((keys & low) != 0, f, 0.0)
        sums = cls(
            _over_ranges(np.add, f, ranges),
            _over_ranges(np.add, real * np.log(np.maximum(real, 1)), ranges),
            _over_ranges(np.maximum, real, ranges),
        )
        return owners[starts], sums

    def select(self, keep: np.ndarray) -> BranchingSums:
        return BranchingSums(self.total[keep], self.plogp[keep], self.top[keep])

    @classmethod
    def looked_up(cls, owners: np.ndarray, sums: BranchingSums, hashes: np.ndarray) -> BranchingSums:
        """The sums of each of ``hashes`` among those of sorted ``owners`` (zero where absent)."""
        at = np.searchsorted(owners, hashes)
        found = at < len(owners)
        found[found] = owners[at[found]] == hashes[found]
        result = cls(np.zeros(len(hashes)), np.zeros(len(hashes)), np.zeros(len(hashes)))
        for name in ("total", "plogp", "top"):
            getattr(result, name)[found] = getattr(sums, name)[at[found]]
        return result

    def entropy_and_share(self) -> tuple[np.ndarray, np.ndarray]:
        """Branching entropy (nats) and top-neighbour share (NaN for a piece never seen)."""
        total = self.total
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = np.where(total > 0, np.log(np.maximum(total, 1)) - self.plogp / np.maximum(total, 1), np.nan)
            share = np.where(total > 0, self.top / np.maximum(total, 1), np.nan)
        return entropy, share


def branching(
    counted: Iterable[tuple[np.ndarray, np.ndarray]], hashes: np.ndarray, layout: KeyLayout
) -> tuple[np.ndarray, np.ndarray]:
    """Branching entropy (nats) and top-neighbour share of each piece hash, from counted
    (hash|neighbour) keys (:meth:`WindowStore.counted_partitions`).

    Occurrences at a fragment boundary count as distinct outcomes: they add to the total but
    neither to a neighbour's share nor to the concentration of the distribution.
    """
    return BranchingSums.of(counted, hashes, layout).entropy_and_share()


def _over_ranges(ufunc: np.ufunc, values: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """``ufunc`` reduced over each [lo, hi) of ``ranges`` (lo0, hi0, lo1, hi1, …; ranges not empty)."""
    return ufunc.reduceat(np.append(values, 0.0), ranges)[::2]


def reject_fragments(words: list[Word], config: DiscoveryConfig, context: set[str] | None = None) -> list[Word]:
    """Drop pieces that are parts of longer units or a word with a function character stuck on.

    - one neighbour nearly always extends it (枝繁叶 → 茂): top neighbour share ≥ ``max_neighbour_share``;
    - its neighbours barely vary: branching entropy < ``min_entropy`` on either side (for a
      piece seen fewer than 7 times, < ln(count/2));
    - three or more characters made of a one-character function word (的 了 在 把 是 …) and a
      discovered word, or for a piece jieba does not know a word of its dictionary (的田野 = 的 +
      田野, 走上了 = 走上 + 了, 的身影; an adverb on either edge counts as such a character: 刚收到,
      今天刚), unless
      that character begins (or ends) 300 or more longer words of jieba's dictionary: 会 ends 运动会,
      so 北京冬奥会 stays;
    - not a word of jieba's dictionary and made of function characters only: a composition of
      function words (也是 = 也 + 是, 他说, 要把, 将于);
    - two characters, not in jieba's dictionary, ending in a particle, or with a function
      character on an edge where it begins (or ends) fewer than 50 two-character words of the
      dictionary: a word with a pronoun, preposition, adverb or particle on it (叫我, 被打, 遂将,
      这篇, 冷啊, 党的, 带着, 住过); 共赢 and 颍上 stay (共享 …, 线上 …);
    - not in jieba's dictionary and a word (of jieba's, or discovered) with a grammatical edge: a
      count (二是, 个月, 场比赛; a character jieba tags as a classifier before a word of its: 类商品,
      名党员; and 号 部 种 件 块 栋, classifiers it tags otherwise: 号楼, 部电梯), a degree
      or time adverb (很好, 更大, 刚买), a verb of speaking (八戒道, 叹曰), a
      localiser after two or more characters (范围内), a complement (站在, 听得);
    - three or more characters, not in jieba's dictionary, with 的 or 了 after the first: a phrase
      or a clause (规律的认识, 作了说明, 取而代之的是); or an adverb and a verb of the dictionary,
      two characters or more each (扎实推进, 共同见证), or a two-character adverb of it and a word
      of it or one character (深刻反省, 慢慢地);
    - a demonstrative or a determiner first (这趟, 那老者, 此次峰会, 各种理由, 整个卫生间);
    - numbers, alone or with Han characters (23, 3个, 31日): quantities, not words; English function
      words and HTML entity names (the, is, quot, hellip);
    - not in jieba's dictionary and a clause (:func:`~nlptk.newwords.clauses.is_clause`: 有点冷清,
      离地铁, 请您, 不能刷, 全是油);
    - two characters, not in jieba's dictionary, each a frequent word of its own (jieba's frequency
      ≥ ``FREE_WORD``) and less than ``FREE_PAIR_MARGIN`` above the pair threshold: two words side
      by side (用好, 书中, 看时, 要加).

    ``context`` holds more words the pieces may be made of (the word list, when ``words`` are compounds).
    """
    pieces = {w.word for w in words} | (context or set())
    return [w for w in words if not _unbounded(w, config) and not _free_pair(w, config) and well_formed(w.word, pieces)]


def _unbounded(word: Word, config: DiscoveryConfig) -> bool:
    """Whether ``word`` is nearly always extended by one neighbour or its neighbours barely vary
    (a piece seen n times has at most ln n nats: below 7 times, ln(n/2) is enough)."""
    least_entropy = min(config.min_entropy, math.log(word.count / 2)) if word.count >= 2 else 0.0
    return len(word.word) >= 2 and (
        max(word.left_share, word.right_share) >= config.max_neighbour_share
        or min(word.left_entropy, word.right_entropy) < least_entropy
    )


def _free_pair(word: Word, config: DiscoveryConfig) -> bool:
    """Whether ``word`` is two free words side by side (see :func:`reject_fragments`)."""
    text, dictionary = word.word, jieba_dictionary()
    return (
        len(text) == 2
        and text not in dictionary.words
        and all(dictionary.characters.get(char, (0, ""))[0] >= FREE_WORD for char in text)
        and word.cohesion < config.threshold(2) + FREE_PAIR_MARGIN
    )


def well_formed(text: str, pieces: set[str]) -> bool:
    """Whether ``text`` passes the rules of what a word is made of (:func:`reject_fragments`, all
    but the first two); ``pieces`` are the words it may be made of."""
    function_chars = function_characters()
    dictionary = jieba_dictionary().words
    classes = classify(text)
    if (classes == CharClass.DIGIT).any() and not (classes == CharClass.LATIN).any():
        return False
    if text.lower() in LATIN_FUNCTION_WORDS:
        return False
    if text in dictionary:
        return len(text) < 3 or not _function_edged(text, function_chars, pieces)
    return not (
        all(char in function_chars for char in text)
        or (len(text) == 2 and _function_edged_pair(text, function_chars))
        or _grammatical_edge(text, function_chars, dictionary, pieces)
        or (len(text) >= 3 and _function_edged(text, function_chars, pieces, dictionary))
        or (len(text) >= 3 and any(char in INNER_PARTICLES for char in text[1:]))
        or text[0] in DEMONSTRATIVES
        or _determiner_first(text, dictionary)
        or (len(text) >= 3 and _adverb_phrase(text, dictionary))
        or is_clause(text, dictionary)
    )


def _determiner_first(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` is a determiner and what it determines (各种理由, 整个卫生间; not 所有制结构,
    as 所有制 is a word)."""
    return any(
        text.startswith(determiner)
        and len(text) > len(determiner)
        and not any(text[:end] in dictionary for end in range(len(determiner) + 1, len(text)))
        for determiner in DETERMINERS
    )


def _adverb_phrase(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` (three or more characters) is an adverb of jieba's dictionary and a verb of it
    (扎实推进, 初步形成, 共同见证), or a two-character adverb and a word of it or one character
    (深刻反省, 经常死机, 慢慢地, 随便找): a phrase, not a word; those that are also adjectives
    only before a verb or adjective (特别关注; not 特别代表)."""
    adverb, rest = text[:2], text[2:]
    if (
        dictionary.get(adverb) == "d"
        and (len(text) == 3 or rest in dictionary)
        and (adverb not in ADJECTIVAL_ADVERBS or dictionary.get(rest, "")[:1] in PREDICATE_TAGS)
    ):
        return True
    return any(
        dictionary.get(text[:j]) in ADVERB_TAGS and dictionary.get(text[j:]) == "v" for j in range(2, len(text) - 1)
    )


def _function_edged_pair(text: str, function_chars: frozenset[str]) -> bool:
    """Two characters ending in a particle, or with a function character on an edge where it makes
    few dictionary words (see :func:`reject_fragments`): 叫我 and 被打, but not 共赢 (共享, 共建, …)
    or 颍上 (线上, 马上, …)."""
    first, last = text
    edges = jieba_dictionary().edges
    return (
        last in PARTICLES
        or (first in function_chars and edges.first_of_two[first] < PAIR_AFFIX)
        or (last in function_chars and edges.last_of_two[last] < PAIR_AFFIX)
    )


def _function_edged(text: str, function_chars: frozenset[str], *words: Container[str]) -> bool:
    """Three or more characters: a word of ``words`` with a function character or an adverb
    stuck on an edge where it makes few dictionary words (的田野, 走上了, 刚收到, 今天刚; not
    北京冬奥会, as 会 ends 运动会, 博览会, …, nor 正能量, as 正 begins 正规军, …)."""
    first, last = text[0], text[-1]
    edges = jieba_dictionary().edges
    return (
        (first in function_chars or first in ADVERBS)
        and edges.first_of_longer[first] < LONG_AFFIX
        and any(text[1:] in known for known in words)
    ) or (
        (last in function_chars or last in ADVERBS)
        and edges.last_of_longer[last] < LONG_AFFIX
        and any(text[:-1] in known for known in words)
    )


def _lost_count(char: str) -> bool:
    """Whether jieba tags the character as a classifier (场, 次, 台, 名, …): before a word, a count
    that lost its number. Units it tags as numerals are left alone: 元 begins 元宇宙."""
    return jieba_dictionary().characters.get(char, (0, ""))[1] == "q"


def _grammatical_edge(text: str, function_chars: frozenset[str], dictionary: dict[str, str], pieces: set[str]) -> bool:
    """Whether ``text`` is a count, an adverb, a verb of speaking, a localiser or a complement
    attached to a word (see :func:`reject_fragments`)."""
    first, last, rest, head = text[0], text[-1], text[1:], text[:-1]
    if first in NUMERALS and all(char in function_chars for char in rest):
        return True  # 二是, 四是
    if first in CLASSIFIERS:
        return True
    if ((len(text) >= 3 and _lost_count(first)) or first in UNTAGGED_CLASSIFIERS) and rest in dictionary:
        return True  # 场比赛, 号客轮, 号楼, 部电梯: a count that lost its number
    if len(text) == 2 and first in ADVERBS:
        return True
    if (last in SPEECH_VERBS or (last in LOCALISERS and len(text) >= 3)) and (head in dictionary or head in pieces):
        return True  # two characters ending in a localiser are often words: 线上, 颍上
    return len(text) == 2 and last in COMPLEMENTS
