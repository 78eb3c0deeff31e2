"""What every tagger backend shares, without torch: the model's config, features and tag scheme,
its segmentation standards, and tagging texts of any length in batches of similar lengths.

A backend (:class:`~nlptk.tagging.model.Tagger` on torch, :class:`~nlptk.tagging.runtime.NumpyTagger`
on numpy alone) supplies the emission scores of one padded batch and its CRF scores; decoding
is the one numpy :func:`~nlptk.tagging.viterbi.viterbi`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from nlptk.checks import at_least
from nlptk.errors import OptionError
from nlptk.tagging.config import DEFAULT_STANDARD, TaggerConfig
from nlptk.tagging.features import Batch, DictionaryMatcher, Featurizer
from nlptk.tagging.schemes import TagScheme
from nlptk.tagging.viterbi import viterbi
from nlptk.text import sentences

FORMAT, NAME = "nlptk-tagger", "tagger model"  # the model directory's format and what it is, for errors
SHIPPED, TRAIN_COMMAND = "seg", "nlptk tag train --task seg"
BATCH_CHARS = 32768  # characters per prediction batch

Bias = Callable[[str], "np.ndarray | None"]


def read_parts(raw: dict, state: dict[str, np.ndarray]) -> tuple[TaggerConfig, Featurizer]:
    """The config and featurizer of a tagger read from a model directory (``state`` loses its
    bigram keys and dictionary words; a model saved before it kept them reads its dictionary by name)."""
    config = TaggerConfig(**raw)
    bigram_keys = state.pop("bigram_keys").astype(np.uint64)
    matcher = DictionaryMatcher.from_saved(state, len(config.dictionary_tags))
    return config, Featurizer(
        config.chars, bigram_keys, config.dictionary, config.dictionary_tags, config.entities, matcher
    )


class TaggerBase:
    """Tagging with a trained model; a backend implements :meth:`emissions` and :meth:`crf_scores`."""

    config: TaggerConfig
    featurizer: Featurizer
    scheme: TagScheme
    backend: str  # "torch" or "numpy"

    def emissions(self, batch: Batch) -> np.ndarray:
        """(B, T, tags) float32 emission scores of a padded batch."""
        raise NotImplementedError

    def crf_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The CRF's transition (tags, tags), start and end scores, forbidden ones included."""
        raise NotImplementedError

    def standard_index(self, name: str | None) -> int:
        """The index of the segmentation standard ``name`` among those the model knows (None: its
        first, the default); a model trained without names knows one, :data:`DEFAULT_STANDARD`."""
        known = self.config.standards or [DEFAULT_STANDARD]
        if name is None:
            return 0
        if name not in known:
            raise OptionError("standard", f"{name!r} is not one this model knows (one of: {', '.join(known)})")
        return known.index(name)

    def predict(self, texts: Sequence[str], bias: Bias | None = None, standard: int = 0) -> list[list[str]]:
        """The tags of every character of each text (see :meth:`predict_ids`)."""
        names = self.config.tags
        return [[names[t] for t in ids.tolist()] for ids in self.predict_ids(texts, bias, standard)]

    def predict_ids(self, texts: Sequence[str], bias: Bias | None = None, standard: int = 0) -> list[np.ndarray]:
        """The tag ids of every character of each text (empty texts get none), by the standard of
        index ``standard`` (:meth:`standard_index`).

        Texts longer than ``max_len`` are cut after sentence punctuation (or, failing that, every
        ``max_len`` characters) and tagged piece by piece. ``bias(piece)`` may return a
        (len, tags) array added to the emission scores before Viterbi.
        """
        pieces: list[str] = []
        owners: list[int] = []
        for i, text in enumerate(texts):
            for piece in chunk_text(text, self.config.max_len):
                pieces.append(piece)
                owners.append(i)
        biases = [bias(piece) for piece in pieces] if bias is not None else None
        results: list[list[np.ndarray]] = [[] for _ in texts]
        for owner, tags in zip(owners, self.tag_pieces(pieces, biases, standard), strict=True):
            results[owner].append(tags)
        return [r[0] if len(r) == 1 else np.concatenate(r or [np.zeros(0, np.int64)]) for r in results]

    def tag_pieces(
        self, pieces: Sequence[str], biases: Sequence[np.ndarray | None] | None = None, standard: int = 0
    ) -> list[np.ndarray]:
        """The tag ids of each piece, tagged whole in batches of similar lengths; ``biases[i]``
        (len, tags) is added to the emission scores of piece i before Viterbi."""
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        batches: list[list[int]] = []
        start = 0
        while start < len(order):
            width = len(pieces[order[start]]) or 1
            end = start + 1
            while end < len(order) and (end - start + 1) * max(width, len(pieces[order[end]])) <= BATCH_CHARS:
                width = max(width, len(pieces[order[end]]))
                end += 1
            batches.append(order[start:end])
            start = end

        def tag(chosen: list[int]) -> list[np.ndarray]:
            chosen_biases = [biases[i] for i in chosen] if biases is not None else None
            return self._tag([pieces[i] for i in chosen], chosen_biases, standard)

        tagged: list[np.ndarray] = [np.zeros(0, np.int64) for _ in pieces]
        for chosen, tags in zip(batches, self.map_batches(tag, batches), strict=True):
            for i, ids in zip(chosen, tags, strict=True):
                tagged[i] = ids
        return tagged

    def map_batches(self, tag: Callable[[list[int]], list[np.ndarray]], batches: list[list[int]]) -> Iterable:
        """``map(tag, batches)``; a backend may run batches side by side."""
        return map(tag, batches)

    def _tag(self, texts: list[str], biases: list[np.ndarray | None] | None, standard: int) -> list[np.ndarray]:
        if not any(texts):
            return [np.zeros(0, np.int64) for _ in texts]
        batch = self.featurizer.encode(texts, standards=standard)
        emissions = self.emissions(batch)
        for row, add in enumerate(biases or ()):
            if add is not None:
                emissions[row, : len(add)] += add
        return viterbi(emissions, batch.lengths, *self.crf_scores())


def chunk_text(text: str, max_len: int) -> list[str]:
    """``text`` cut into pieces of at most ``max_len`` characters, after sentence punctuation when possible."""
    at_least("max_len", max_len, 1)
    if len(text) <= max_len:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _sentence_pieces(text):
        while len(sentence) > max_len:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:max_len])
            sentence = sentence[max_len:]
        if len(current) + len(sentence) > max_len:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def _sentence_pieces(text: str) -> list[str]:
    """``text`` split after sentence punctuation, keeping every character (spaces included)."""
    out: list[str] = []
    start = 0
    for sentence in sentences(text):
        at = text.index(sentence, start)
        end = at + len(sentence)
        out.append(text[start:end])
        start = end
    if start < len(text):
        out.append(text[start:])
    return out
