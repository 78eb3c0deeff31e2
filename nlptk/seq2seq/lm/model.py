"""A word-level recurrent language model (LSTM or tanh-RNN, tied embeddings) that decodes
through :mod:`nlptk.decode`: it is a :class:`~nlptk.decode.StepModel`.

A sentence w1..wn is read as ``<eos> w1 … wn`` and predicts ``w1 … wn <eos>``. The decoding
state is the recurrent state plus the output head's carry (the self-terminating head's running
product), so a prefix is read once and each step feeds one token.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from nlptk.decode.heads import SelfTerminatingHead, SoftmaxHead
from nlptk.seq2seq.lm.config import LMConfig
from nlptk.seq2seq.model_dir import SavedModel, numpy_state, torch_state
from nlptk.seq2seq.vocab import EOS_ID, Vocabulary

State = tuple[torch.Tensor | tuple[torch.Tensor, torch.Tensor], torch.Tensor]


class LanguageModel(nn.Module, SavedModel):
    FORMAT, CONFIG, NAME = "nlptk-lm", LMConfig, "language model"

    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.config = config
        self.vocab = Vocabulary(config.vocab)
        size = len(config.vocab)
        self.embedding = nn.Embedding(size, config.hidden)
        recurrent = nn.LSTM if config.cell == "lstm" else nn.RNN
        self.rnn = recurrent(
            config.hidden, config.hidden, config.layers, batch_first=True, dropout=config.dropout * (config.layers > 1)
        )
        self.drop = nn.Dropout(config.dropout)
        if config.head == "st":
            self.head: nn.Module = SelfTerminatingHead(config.hidden, size, EOS_ID, config.epsilon)
        else:
            self.head = SoftmaxHead(config.hidden, size, EOS_ID)
        self.head.proj.weight = self.embedding.weight  # tied input and output embeddings

    def forward(self, inputs: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Log-probabilities (B, T, V) of the tokens after each of ``inputs`` (B, T), and the new state."""
        recurrent, carry = state if state is not None else (None, torch.zeros(len(inputs)))
        hidden, recurrent = self.rnn(self.drop(self.embedding(inputs)), recurrent)
        log_probs, carry = self.head(self.drop(hidden), carry)
        return log_probs, (recurrent, carry)

    def sentence_log_probs(self, batch: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities (B, T) of each sentence's tokens and final ``<eos>``, and the mask of real ones."""
        width = max(len(s) for s in batch) + 1
        inputs = torch.full((len(batch), width), EOS_ID, dtype=torch.long)
        targets = torch.full((len(batch), width), EOS_ID, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.bool)
        for row, sentence in enumerate(batch):
            ids = torch.tensor(sentence, dtype=torch.long)
            inputs[row, 1 : len(sentence) + 1] = ids
            targets[row, : len(sentence)] = ids
            mask[row, : len(sentence) + 1] = True
        log_probs, _ = self(inputs)
        return log_probs.gather(2, targets[:, :, None])[:, :, 0], mask

    # --- StepModel --------------------------------------------------------------------------
    def step(self, state: State, tokens: torch.Tensor) -> tuple[torch.Tensor, State]:
        log_probs, state = self(tokens[:, None], state)
        return log_probs[:, 0], state

    def select(self, state: State, rows: torch.Tensor) -> State:
        recurrent, carry = state
        if isinstance(recurrent, tuple):
            return (recurrent[0][:, rows], recurrent[1][:, rows]), carry[rows]
        return recurrent[:, rows], carry[rows]

    @torch.no_grad()
    def prime(self, contexts: Sequence[Sequence[int]]) -> tuple[State, torch.Tensor]:
        """The state after reading ``<eos>`` + each context but its last token, and those last tokens."""
        size, hidden, layers = len(contexts), self.config.hidden, self.config.layers
        h = torch.zeros(layers, size, hidden)
        c = torch.zeros(layers, size, hidden)
        carry = torch.zeros(size)
        last = torch.full((size,), EOS_ID, dtype=torch.long)
        by_length: dict[int, list[int]] = {}
        for row, context in enumerate(contexts):
            by_length.setdefault(len(context), []).append(row)
        for length, rows in by_length.items():
            if length == 0:
                continue
            index = torch.tensor(rows)
            sequences = torch.tensor([[EOS_ID, *contexts[r]] for r in rows], dtype=torch.long)
            _, (recurrent, group_carry) = self(sequences[:, :-1])
            if isinstance(recurrent, tuple):
                h[:, index], c[:, index] = recurrent
            else:
                h[:, index] = recurrent
            carry[index] = group_carry
            last[index] = sequences[:, -1]
        recurrent_state = (h, c) if self.config.cell == "lstm" else h
        return (recurrent_state, carry), last

    # --- files ------------------------------------------------------------------------------
    def saved_state(self) -> dict[str, np.ndarray]:
        """The weights in float32, the output layer left out (it is the embedding, tied)."""
        return numpy_state({k: v for k, v in self.state_dict().items() if k != "head.proj.weight"})

    @classmethod
    def from_saved(cls, config: dict, state: dict[str, np.ndarray]) -> LanguageModel:
        model = cls(LMConfig(**config))
        state = torch_state(state)
        state["head.proj.weight"] = state["embedding.weight"]
        model.load_state_dict(state)
        return model
