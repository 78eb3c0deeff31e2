"""Boundary statistics of pieces (branching entropy, top neighbour share) and fragment rejection."""

from __future__ import annotations

import numpy as np

from nlptk.lexicon import Lexicon, function_characters
from nlptk.newwords.config import DiscoveryConfig, Word
from nlptk.ngrams.counting import WindowStore
from nlptk.ngrams.keys import KeyLayout, count_runs
from nlptk.ngrams.keyset import KeySet
from nlptk.text import CharClass, classify

PARTICLES = frozenset("的了着过")  # structural and aspect particles that end a phrase, not a word


def branching(pairs: WindowStore, hashes: np.ndarray, layout: KeyLayout) -> tuple[np.ndarray, np.ndarray]:
    """Branching entropy (nats) and top-neighbour share of each piece hash, from (hash|neighbour) keys.

    Occurrences at a fragment boundary count as distinct outcomes: they add to the total but
    neither to a neighbour's share nor to the concentration of the distribution.
    """
    members = KeySet(hashes)
    low = np.uint64((1 << layout.bits) - 1)
    total = np.zeros(len(hashes))
    plogp = np.zeros(len(hashes))
    top = np.zeros(len(hashes))
    for sorted_keys in pairs.sorted_partitions():
        keys, freq = count_runs(sorted_keys)
        owner = members.index(keys & ~low)
        sel = owner >= 0
        owner, freq, neighbour = owner[sel], freq[sel].astype(np.float64), (keys[sel] & low)
        np.add.at(total, owner, freq)
        real = neighbour != 0
        np.add.at(plogp, owner[real], freq[real] * np.log(freq[real]))
        np.maximum.at(top, owner[real], freq[real])
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(total > 0, np.log(np.maximum(total, 1)) - plogp / np.maximum(total, 1), np.nan)
        share = np.where(total > 0, top / np.maximum(total, 1), np.nan)
    return entropy, share


def reject_fragments(words: list[Word], config: DiscoveryConfig) -> list[Word]:
    """Drop pieces that are parts of longer units or a word with a function character stuck on.

    - one neighbour nearly always extends it (枝繁叶 → 茂): top neighbour share ≥ ``max_neighbour_share``;
    - its neighbours barely vary: branching entropy < ``min_entropy`` on either side;
    - three or more characters made of a one-character function word (的 了 在 把 是 …) and a
      discovered word (的田野 = 的 + 田野, 走上了 = 走上 + 了);
    - not a word of jieba's dictionary and made of function characters only: a composition of
      function words (也是 = 也 + 是, 他说, 要把, 将于);
    - two characters, not in jieba's dictionary, ending in a particle (党的, 带着, 住过): a word
      with its particle;
    - numbers, alone or with Han characters (23, 3个, 31日): quantities, not words.
    """
    function_chars = function_characters()
    dictionary = Lexicon.jieba()
    pieces = {w.word for w in words}
    kept = []
    for word in words:
        text = word.word
        classes = classify(text)
        if (classes == CharClass.DIGIT).any() and not (classes == CharClass.LATIN).any():
            continue
        if len(text) >= 2 and (
            max(word.left_share, word.right_share) >= config.max_neighbour_share
            or min(word.left_entropy, word.right_entropy) < config.min_entropy
        ):
            continue
        if text not in dictionary and (
            all(char in function_chars for char in text) or (len(text) == 2 and text[1] in PARTICLES)
        ):
            continue
        if len(text) >= 3 and (
            (text[0] in function_chars and text[1:] in pieces) or (text[-1] in function_chars and text[:-1] in pieces)
        ):
            continue
        kept.append(word)
    return kept
