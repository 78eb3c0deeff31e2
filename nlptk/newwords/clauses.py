"""Pieces that are clauses, not words: what they are made of says so (rules of :func:`is_clause`).

Colloquial text (product reviews above all) repeats short clauses often enough to pass every
statistical test: 有点冷清, 离地铁, 请您, 不能刷, 全是油. Each rule below names a part that a word
does not contain and a clause does; a part counts only where no word of jieba's dictionary
inside the piece covers it (太 in 太阳能, 你 in 迷你版).
"""

from __future__ import annotations

PERSONAL_PRONOUNS = frozenset("我你您他她咱俺")  # 您对, 请您, 帮我拿, 谁买谁
REFLEXIVE = "自己"  # with a verb: 自己掏, 依靠自己 (自己人 is a word)
NEGATIONS = frozenset("不没")  # 不通知, 不灵活, 没收到: a negated verb or adjective
ASPECT = frozenset("着")  # 出差带着, 拖着行李, 吵着要 (意味着, 本着 and 着陆 are words)
PREPOSITIONS = frozenset("离凭被把对向给跟从往朝替按")  # 离地铁, 凭房卡, 被蚊子咬: a preposition and its object
MODAL_PARTICLES = frozenset("啊呀吧呢嘛哦啦")  # 脏啊垃圾, 凑合用吧: the end of a spoken sentence
COPULA = frozenset("是")  # 全是油, 都是灰
# Modal verbs and adverbs of manner or frequency that open a verb phrase: 没法穿, 差点晕倒, 望改进.
# One character of them takes only a verb of the dictionary after it (望京 stays).
MODALS = (
    *("没法", "无法", "不能", "可以", "容易", "难以", "差点", "原本", "一起", "老是", "总是", "一直", "经常"),
    *("不会", "不用", "不要", "必须", "应该", "需要", "希望", "能", "待", "望", "请", "劝", "帮", "别"),
)
# Degree adverbs before a predicate: 有点冷清, 略显陈旧, 分辨率太差, 超级棒, 超慢.
DEGREE_ADVERBS = (
    *("超级", "有点", "有些", "略显", "非常", "特别", "十分", "比较", "极其", "相当"),
    *("太", "很", "超", "略", "极", "挺", "蛮", "较", "狂", "巨"),
)
# Those that are also prefixes of nouns and verbs (超算, 超级工程, 巨变, 蛮兵): only an adjective after them.
PREFIX_ADVERBS = frozenset({"超级", "超", "巨", "蛮"})
# Those that are also adjectives: before a noun they make words (特别代表, 比较优势, 非常时期).
ADJECTIVAL_ADVERBS = frozenset({"特别", "比较", "非常"})
# Those that are only adverbs of degree: anything after them (有点小贵, 有点老旧).
DEGREE_ONLY = frozenset({"有点", "有些", "略显"})
# Verbs of reporting and attending after their subject: 视频显示, 托卡耶夫表示, 赵克志参加, 总部位于.
REPORTING_VERBS = (
    *("显示", "表示", "指出", "介绍", "强调", "透露", "认为", "宣布"),
    *("出席", "主持", "参加", "会见", "位于", "听罢"),
)
# Every character a rule above looks for: a piece with none of them is no clause.
CLAUSE_CHARACTERS = (PERSONAL_PRONOUNS | PREPOSITIONS | MODAL_PARTICLES | COPULA | NEGATIONS | ASPECT) | {
    word[0] for word in (REFLEXIVE, *MODALS, *DEGREE_ADVERBS)
}
# jieba's tags that are wrong for the rules here: nouns it tags as adjectives (负面清单 stays).
NOT_ADJECTIVES = frozenset({"清单"})
PREDICATE_TAGS = ("a", "v")  # the first letter of jieba's tags of adjectives and verbs (a, ad, an, v, vn, …)
LONGEST_WORD = 4  # the longest dictionary word looked for around a character (``covered``)


def is_clause(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` (not a word of ``dictionary``, jieba's words with their tags) is a clause:

    - a personal pronoun in it (您对, 请您, 帮我拿);
    - a preposition first, before a word of the dictionary (离地铁, 凭房卡, 被蚊子咬, 从下单到);
    - a modal first, before a verb of the dictionary or, for a modal of two characters, one
      character (没法穿, 不能刷, 差点晕倒, 望改进);
    - a degree adverb after nothing or a word of the dictionary, before an adjective or verb of it
      or one character; 有点, 有些 and 略显 before anything; those that are also prefixes (超, 超级,
      巨, 蛮) only before an adjective (有点冷清, 分辨率太差, 空间太小, 超慢; not 超算, 特别代表);
    - the copula 是 after the first character (全是油, 都是灰: 于是 and 是非 are words);
    - a modal particle (脏啊垃圾, 凑合用吧);
    - two or more characters and a verb of reporting or attending (视频显示, 赵克志参加, 总部位于);
    - the reflexive 自己 and a verb (自己掏, 依靠自己; not 自己人);
    - a negation first, before an adjective or verb of the dictionary (不通知, 不灵活);
    - the aspect particle 着 after the first character (出差带着, 拖着行李);
    - a noun of the dictionary and an adjective of it: a subject and its predicate (画面清晰,
      环境幽雅, 交通便利).
    """
    if (len(text) >= 4 and text.endswith(REPORTING_VERBS)) or _subject_predicate(text, dictionary):
        return True
    return not CLAUSE_CHARACTERS.isdisjoint(text) and (
        _has_free(text, PERSONAL_PRONOUNS, dictionary)
        or _reflexive_clause(text, dictionary)
        or _preposition_first(text, dictionary)
        or (len(text) >= 3 and text[0] in NEGATIONS and dictionary.get(text[1:], "")[:1] in PREDICATE_TAGS)
        or (len(text) >= 3 and _has_free(text, ASPECT, dictionary, start=1))
        or _modal_first(text, dictionary)
        or _degree_predicate(text, dictionary)
        or _has_free(text, COPULA, dictionary, start=1)
        or _has_free(text, MODAL_PARTICLES, dictionary)
    )


def covered(text: str, i: int, dictionary: dict[str, str]) -> bool:
    """Whether a word of ``dictionary`` of two or more characters inside ``text`` covers character ``i``."""
    for start in range(max(0, i - LONGEST_WORD + 1), i + 1):
        for end in range(max(i + 1, start + 2), min(len(text), start + LONGEST_WORD) + 1):
            if text[start:end] in dictionary:
                return True
    return False


def _preposition_first(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` is a preposition and a word of ``dictionary``, or one and more (离地铁, 从下单到)."""
    return (
        len(text) >= 3
        and text[0] in PREPOSITIONS
        and (text[1:] in dictionary or (text[1:3] in dictionary and not covered(text, 0, dictionary)))
    )


def _reflexive_clause(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` is the reflexive 自己 and a verb of ``dictionary`` (or one character but a
    noun) before or after it."""
    i = text.find(REFLEXIVE)
    sides = (text[:i], text[i + len(REFLEXIVE) :]) if i >= 0 else ()
    return any(_verb_or_free_character(side, dictionary) for side in sides)


def _verb_or_free_character(text: str, dictionary: dict[str, str]) -> bool:
    """A verb of ``dictionary``, or one character it does not tag as a noun (jieba tags many verbs
    of one character as morphemes: 掏 zg)."""
    tag = dictionary.get(text, "")[:1]
    return tag == "v" or (len(text) == 1 and tag != "n")


def _subject_predicate(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` is a noun of ``dictionary`` and an adjective of it (画面清晰, 交通便利)."""
    return any(
        dictionary.get(text[:j]) == "n" and dictionary.get(text[j:]) == "a" and text[j:] not in NOT_ADJECTIVES
        for j in range(2, len(text) - 1)
    )


def _has_free(text: str, chars: frozenset[str], dictionary: dict[str, str], start: int = 0) -> bool:
    """Whether one of ``chars`` occurs in ``text`` from ``start`` on, outside every dictionary word of it."""
    return any(text[i] in chars and not covered(text, i, dictionary) for i in range(start, len(text)))


def _modal_first(text: str, dictionary: dict[str, str]) -> bool:
    """Whether ``text`` is a modal and the verb phrase it opens (see :func:`is_clause`)."""
    for modal in MODALS:
        rest = text[len(modal) :]
        if text.startswith(modal) and (dictionary.get(rest, "")[:1] == "v" or (len(rest) == 1 and len(modal) > 1)):
            return True
    return False


def _degree_predicate(text: str, dictionary: dict[str, str]) -> bool:
    """Whether a degree adverb in ``text``, after nothing or a word of the dictionary, modifies the rest."""
    for i in range(len(text)):
        if i and text[:i] not in dictionary:
            continue
        for adverb in DEGREE_ADVERBS:
            rest = text[i + len(adverb) :]
            if rest and text.startswith(adverb, i) and _degree_before(adverb, rest, text, i, dictionary):
                return True
    return False


def _degree_before(adverb: str, rest: str, text: str, i: int, dictionary: dict[str, str]) -> bool:
    """Whether ``adverb`` at ``text[i]`` modifies ``rest``, the rest of ``text`` (see :func:`is_clause`)."""
    tag = dictionary.get(rest, "")
    if adverb in PREFIX_ADVERBS:
        return tag[:1] == "a"
    if adverb in DEGREE_ONLY:
        return True
    if len(adverb) > 1:  # 特别 and 比较 are also adjectives: 特别代表, 比较优势
        return tag[:1] in PREDICATE_TAGS or len(rest) == 1
    if len(rest) == 1 and tag[:1] in PREDICATE_TAGS:
        return True  # 空间太小, 味太重: even where jieba lists the pair (太小) as a word
    return not covered(text, i, dictionary) and (len(rest) == 1 or tag[:1] in PREDICATE_TAGS)
