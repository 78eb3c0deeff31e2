"""The couplet model: a first line is encoded by gated residual convolutions (optionally with
self-attention between them); each position of the second line is then predicted either
independently (the reference design: a softmax per position) or by a small GRU that also reads
the characters already chosen (``decoder > 0``), which is decoded with beam search.

Both are :class:`~nlptk.decode.StepModel` s through :class:`CoupletDecoder`, so constraints,
beams and sampling come from :mod:`nlptk.decode`. A model is a directory with ``config.json``
and ``weights.pt`` (loaded with ``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from nlptk.cpu import bf16_is_fast
from nlptk.seq2seq.couplet.config import CoupletConfig
from nlptk.seq2seq.couplet.constraints import han_characters
from nlptk.seq2seq.layers import GatedConvBlock, SelfAttentionBlock
from nlptk.seq2seq.model_dir import SavedModel
from nlptk.seq2seq.vocab import EOS_ID, Vocabulary


class CoupletModel(nn.Module, SavedModel):
    FORMAT, CONFIG, NAME, INT8 = "nlptk-couplet", CoupletConfig, "couplet model", ("embedding.weight",)
    SHIPPED, TRAIN_COMMAND = "couplet", "nlptk couplet train"

    def __init__(self, config: CoupletConfig) -> None:
        super().__init__()
        self.config = config
        self.vocab = Vocabulary(config.chars)
        self.han = han_characters(self.vocab)  # the characters a second line may use
        size, dim = len(config.chars), config.dim
        self.embedding = nn.Embedding(size, dim)
        self.dropout = nn.Dropout(config.dropout)
        layers: list[nn.Module] = []
        for i, dilation in enumerate(config.dilations):
            layers.append(GatedConvBlock(dim, config.kernel, dilation))
            if i in config.attention:
                layers.append(SelfAttentionBlock(dim, config.heads, config.dropout))
        self.layers = nn.ModuleList(layers)
        self.gru = nn.GRU(2 * dim, config.decoder, batch_first=True) if config.decoder else None
        self.output = nn.Linear(dim + config.decoder, size)
        self.fast_output: torch.Tensor | None = None  # bfloat16 copy of the output weights (inference only)

    def encode_lines(self, lines: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Character ids (B, T) of ``lines`` padded with 0, and the mask of real characters."""
        width = max(len(line) for line in lines)
        ids = torch.zeros((len(lines), width), dtype=torch.long)
        mask = torch.zeros((len(lines), width), dtype=torch.bool)
        for row, line in enumerate(lines):
            ids[row, : len(line)] = torch.tensor(self.vocab.encode(line), dtype=torch.long)
            mask[row, : len(line)] = True
        return ids, mask

    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Encoder states (B, T, D) of first lines."""
        maskf = mask[:, None, :].float()
        x = self.dropout(self.embedding(ids)).transpose(1, 2) * maskf
        for layer in self.layers:
            x = layer(x, maskf)
        return x.transpose(1, 2)

    def logits(self, encoded: torch.Tensor, previous: torch.Tensor, hidden: torch.Tensor | None = None):
        """Scores (B, T, V) of the second line's characters given the encoder states and, for the
        GRU decoder, the characters before each position (``previous``, <eos> first)."""
        if self.gru is None:
            return self._scores(self.dropout(encoded)), None
        inputs = torch.cat([self.dropout(self.embedding(previous)), encoded], dim=-1)
        states, hidden = self.gru(inputs, hidden)
        return self._scores(self.dropout(torch.cat([encoded, states], dim=-1))), hidden

    def _scores(self, features: torch.Tensor) -> torch.Tensor:
        """The output layer. With :attr:`fast_output` the product runs in bfloat16 and the bias is
        added in float32, so that scores rarely tie (bfloat16 products alone tie often)."""
        if self.fast_output is None:
            return self.output(features)
        return nn.functional.linear(features.to(torch.bfloat16), self.fast_output).float().add_(self.output.bias)

    def loss(self, firsts: Sequence[str], seconds: Sequence[str]) -> torch.Tensor:
        """Mean cross-entropy per character of ``seconds`` given ``firsts`` (teacher forcing)."""
        ids, mask = self.encode_lines(firsts)
        targets, _ = self.encode_lines(seconds)
        previous = torch.cat([torch.full((len(targets), 1), EOS_ID), targets[:, :-1]], dim=1)
        scores, _ = self.logits(self.encode(ids, mask), previous)
        return nn.functional.cross_entropy(scores[mask], targets[mask])

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> CoupletModel:
        """Load a model directory written by :meth:`save` (by default the shipped model)."""
        model = super().load(path)
        if bf16_is_fast():  # the largest layer: several times faster on AMX / AVX512-BF16
            model.fast_output = model.output.weight.detach().to(torch.bfloat16)
        return model


class CoupletDecoder:
    """The :class:`~nlptk.decode.StepModel` view of a model over a batch of equally long first lines.

    The state is (encoder states, GRU state or None, position); each step gives the
    log-probabilities of the character at the next position.
    """

    def __init__(self, model: CoupletModel) -> None:
        self.model = model

    def start(self, encoded: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, int]:
        return encoded, None, 0

    def step(self, state, tokens: torch.Tensor):
        encoded, hidden, position = state
        here = encoded[:, position : position + 1]
        scores, hidden = self.model.logits(here, tokens[:, None], hidden)
        return torch.log_softmax(scores[:, 0].float(), dim=-1), (encoded, hidden, position + 1)

    def select(self, state, rows: torch.Tensor):
        encoded, hidden, position = state
        return encoded[rows], None if hidden is None else hidden[:, rows], position
