"""The tagger: encoder -> per-character emission scores -> CRF; saving, loading, batched prediction.

A model is a directory with ``config.json`` (vocabulary, tag set, hyperparameters, training
data and measured scores) and ``weights.pt`` (a state dict loaded with
``torch.load(weights_only=True)``: embedding tables as int8 with a scale per row, the rest
as float16).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from nlptk.checks import at_least
from nlptk.cpu import bf16_is_fast
from nlptk.errors import OptionError
from nlptk.seq2seq.model_dir import SavedModel, expand_state
from nlptk.tagging.config import DEFAULT_STANDARD, TaggerConfig
from nlptk.tagging.crf import CRF
from nlptk.tagging.encoder import ConvEncoder
from nlptk.tagging.features import Batch, DictionaryMatcher, Featurizer
from nlptk.tagging.schemes import TagScheme
from nlptk.text import sentences

BATCH_CHARS = 32768  # characters per prediction batch

Bias = Callable[[str], "np.ndarray | None"]


class Tagger(nn.Module, SavedModel):
    FORMAT, CONFIG, NAME = "nlptk-tagger", TaggerConfig, "tagger model"
    INT8 = ("encoder.chars.weight", "encoder.bigrams.weight")
    SHIPPED, TRAIN_COMMAND = "seg", "nlptk tag train --task seg"

    def __init__(self, config: TaggerConfig, featurizer: Featurizer) -> None:
        super().__init__()
        self.config = config
        self.featurizer = featurizer
        self.scheme = TagScheme(tuple(config.tags))
        self.encoder = ConvEncoder(
            featurizer.num_chars,
            featurizer.num_bigrams,
            config.char_dim,
            config.bigram_dim,
            config.dim,
            tuple(config.dilations),
            config.kernel,
            config.dropout,
            word_dim=featurizer.word_dim,
            lstm_dim=config.lstm_dim,
            standards=len(config.standards),
            standard_dim=config.standard_dim,
        )
        self.output = nn.Linear(self.encoder.output_dim, len(config.tags))
        self.crf = CRF(*self.scheme.constraint_arrays())

    def standard_index(self, name: str | None) -> int:
        """The index of the segmentation standard ``name`` among those the model knows (None: its
        first, the default); a model trained without names knows one, :data:`DEFAULT_STANDARD`."""
        known = self.config.standards or [DEFAULT_STANDARD]
        if name is None:
            return 0
        if name not in known:
            raise OptionError("standard", f"{name!r} is not one this model knows (one of: {', '.join(known)})")
        return known.index(name)

    def emissions(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        mask = torch.from_numpy(batch.mask)
        words = None if batch.words is None else torch.from_numpy(batch.words)
        standards = None if batch.standards is None else torch.from_numpy(batch.standards)
        chars, left, right = (torch.from_numpy(a) for a in (batch.chars, batch.left, batch.right))
        return self.output(self.encoder(chars, left, right, mask, words, standards)), mask

    def loss(
        self,
        texts: Sequence[str],
        tags: Sequence[Sequence[str]],
        entities: DictionaryMatcher | None = None,
        standards: Sequence[int] | int = 0,
    ) -> torch.Tensor:
        """Mean CRF negative log-likelihood; ``entities`` replaces the flagged entity list;
        ``standards``: the standard of each text (or one for all)."""
        batch = self.featurizer.encode(texts, entities, standards)
        emissions, mask = self.emissions(batch)
        gold = np.zeros(batch.chars.shape, dtype=np.int64)
        index = {t: i for i, t in enumerate(self.config.tags)}
        for row, seq in enumerate(tags):
            gold[row, : len(seq)] = [index[t] for t in seq]
        return self.crf.nll(emissions, torch.from_numpy(gold), mask)

    def predict(self, texts: Sequence[str], bias: Bias | None = None, standard: int = 0) -> list[list[str]]:
        """The tags of every character of each text (see :meth:`predict_ids`)."""
        names = self.config.tags
        return [[names[t] for t in ids.tolist()] for ids in self.predict_ids(texts, bias, standard)]

    @torch.inference_mode()
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

    @torch.inference_mode()
    def tag_pieces(
        self, pieces: Sequence[str], biases: Sequence[np.ndarray | None] | None = None, standard: int = 0
    ) -> list[np.ndarray]:
        """The tag ids of each piece, tagged whole in batches of similar lengths; ``biases[i]``
        (len, tags) is added to the emission scores of piece i before Viterbi."""
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        tagged: list[np.ndarray] = [np.zeros(0, np.int64) for _ in pieces]
        start = 0
        while start < len(order):
            width = len(pieces[order[start]]) or 1
            end = start + 1
            while end < len(order) and (end - start + 1) * max(width, len(pieces[order[end]])) <= BATCH_CHARS:
                width = max(width, len(pieces[order[end]]))
                end += 1
            chosen = [order[i] for i in range(start, end)]
            chosen_biases = [biases[i] for i in chosen] if biases is not None else None
            for i, tags in zip(chosen, self._tag([pieces[i] for i in chosen], chosen_biases, standard), strict=True):
                tagged[i] = tags
            start = end
        return tagged

    def _tag(self, texts: list[str], biases: list[np.ndarray | None] | None, standard: int) -> list[np.ndarray]:
        if not any(texts):
            return [np.zeros(0, np.int64) for _ in texts]
        batch = self.featurizer.encode(texts, standards=standard)
        emissions, mask = self.emissions(batch)
        if biases is not None and any(b is not None for b in biases):
            extra = np.zeros(emissions.shape, dtype=np.float32)
            for row, (text, add) in enumerate(zip(texts, biases, strict=True)):
                if add is not None:
                    extra[row, : len(text)] = add
            emissions = emissions + torch.from_numpy(extra)
        return self.crf.viterbi(emissions, mask)

    def saved_state(self) -> dict[str, torch.Tensor]:
        """The compact weights and the featurizer's bigram keys."""
        state = super().saved_state()
        state["bigram_keys"] = torch.from_numpy(self.featurizer.bigram_keys.astype(np.int64))
        return state

    @classmethod
    def from_saved(cls, raw: dict, state: dict[str, torch.Tensor]) -> Tagger:
        config = TaggerConfig(**raw)
        bigram_keys = state.pop("bigram_keys").numpy().astype(np.uint64)
        featurizer = Featurizer(config.chars, bigram_keys, config.dictionary, config.dictionary_tags, config.entities)
        model = cls(config, featurizer)
        model.load_state_dict(expand_state(state))
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Tagger:
        """Load a model directory written by :meth:`save` (by default the shipped segmenter)."""
        model = super().load(path)
        if bf16_is_fast():
            model.encoder.blocks.to(torch.bfloat16)
        return model


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
