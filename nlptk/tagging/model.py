"""The tagger on torch: encoder -> per-character emission scores -> CRF; training loss, saving,
loading. Tagging texts is :class:`~nlptk.tagging.inference.TaggerBase`'s, shared with the numpy
backend (:mod:`nlptk.tagging.runtime`).

A model is a directory with ``config.json`` (vocabulary, tag set, hyperparameters, training
data and measured scores) and ``weights.npz`` (numpy arrays, see :mod:`nlptk.seq2seq.model_dir`:
embedding tables as int8 with a scale per row, the rest as float16).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from nlptk.cpu import bf16_is_fast
from nlptk.seq2seq.model_dir import SavedModel, expand_state, torch_state
from nlptk.tagging import inference
from nlptk.tagging.config import TaggerConfig
from nlptk.tagging.crf import CRF
from nlptk.tagging.encoder import ConvEncoder
from nlptk.tagging.features import Batch, DictionaryMatcher, Featurizer
from nlptk.tagging.inference import TaggerBase, chunk_text
from nlptk.tagging.schemes import TagScheme

__all__ = ["Tagger", "chunk_text"]


class Tagger(nn.Module, SavedModel, TaggerBase):
    FORMAT, CONFIG, NAME = inference.FORMAT, TaggerConfig, inference.NAME
    INT8 = ("encoder.chars.weight", "encoder.bigrams.weight")
    SHIPPED, TRAIN_COMMAND = inference.SHIPPED, inference.TRAIN_COMMAND
    backend = "torch"

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

    def torch_emissions(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Emission scores (B, T, tags) of a padded batch, and its mask."""
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
        emissions, mask = self.torch_emissions(batch)
        gold = np.zeros(batch.chars.shape, dtype=np.int64)
        index = {t: i for i, t in enumerate(self.config.tags)}
        for row, seq in enumerate(tags):
            gold[row, : len(seq)] = [index[t] for t in seq]
        return self.crf.nll(emissions, torch.from_numpy(gold), mask)

    @torch.inference_mode()
    def emissions(self, batch: Batch) -> np.ndarray:
        return self.torch_emissions(batch)[0].float().numpy()

    def crf_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with torch.no_grad():
            return tuple(score.float().numpy() for score in self.crf.scores())  # type: ignore[return-value]

    def saved_state(self) -> dict[str, np.ndarray]:
        """The compact weights, the featurizer's bigram keys and its dictionary's words (so that
        the model flags the words it was trained with, whatever jieba is installed)."""
        state = super().saved_state()
        state["bigram_keys"] = self.featurizer.bigram_keys.astype(np.int64)
        if self.featurizer.matcher is not None:
            state.update(self.featurizer.matcher.saved_arrays())
        return state

    @classmethod
    def from_saved(cls, raw: dict, state: dict[str, np.ndarray]) -> Tagger:
        model = cls(*inference.read_parts(raw, state))
        model.load_state_dict(torch_state(expand_state(state)))
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, bf16: bool | None = None) -> Tagger:
        """Load a model directory written by :meth:`save` (by default the shipped segmenter); its
        convolutions run in bfloat16 with ``bf16`` (None: on CPUs with bf16 units)."""
        model = super().load(path)
        if bf16_is_fast() if bf16 is None else bf16:
            model.encoder.blocks.to(torch.bfloat16)
        return model
