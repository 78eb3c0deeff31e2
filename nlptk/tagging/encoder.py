"""Character encoder: embeddings (and optional dictionary-word flags) -> gated residual dilated
convolutions (:class:`~nlptk.seq2seq.layers.GatedConvBlock`), dilations growing 1, 2, 4, … so a
few layers see a wide context."""

from __future__ import annotations

import torch
from torch import nn

from nlptk.seq2seq.layers import GatedConvBlock


class ConvEncoder(nn.Module):
    """Character + bigram embeddings -> gated dilated convolutions -> (B, T, dim)."""

    def __init__(
        self,
        num_chars: int,
        num_bigrams: int,
        char_dim: int = 64,
        bigram_dim: int = 32,
        dim: int = 128,
        dilations: tuple[int, ...] = (1, 2, 4, 1),
        kernel: int = 3,
        dropout: float = 0.1,
        word_dim: int = 0,
        lstm_dim: int = 0,
        standards: int = 0,
        standard_dim: int = 0,
    ) -> None:
        super().__init__()
        self.chars = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.bigrams = nn.Embedding(num_bigrams, bigram_dim, padding_idx=0) if bigram_dim else None
        # The segmentation standard as an input: one learned vector per standard, at every position.
        self.standards = nn.Embedding(standards, standard_dim) if standards > 1 else None
        extra = standard_dim if self.standards is not None else 0
        self.project = nn.Linear(char_dim + 2 * bigram_dim + word_dim + extra, dim)
        self.blocks = nn.ModuleList(GatedConvBlock(dim, kernel, d, dropout) for d in dilations)
        self.dropout = nn.Dropout(dropout)
        # Optional BiLSTM over the convolution output (its width replaces ``dim`` as output size).
        self.lstm = nn.LSTM(dim, lstm_dim, batch_first=True, bidirectional=True) if lstm_dim else None

    @property
    def output_dim(self) -> int:
        return 2 * self.lstm.hidden_size if self.lstm is not None else self.project.out_features

    def forward(
        self,
        chars: torch.Tensor,
        left: torch.Tensor,
        right: torch.Tensor,
        mask: torch.Tensor,
        words: torch.Tensor | None = None,
        standards: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``standards`` (B,): the standard of each row, for an encoder that knows several."""
        parts = [self.chars(chars)]
        if self.bigrams is not None:
            parts += [self.bigrams(left), self.bigrams(right)]
        if words is not None:
            parts.append(words)
        if self.standards is not None:
            rows = standards if standards is not None else torch.zeros(len(chars), dtype=torch.long)
            parts.append(self.standards(rows)[:, None, :].expand(-1, chars.shape[1], -1))
        # The blocks may run in bfloat16 (inference on CPUs with bf16 units); the output is float32.
        dtype = self.blocks[0].conv.weight.dtype if len(self.blocks) else torch.float32
        maskf = mask.unsqueeze(1).to(dtype)
        x = self.dropout(self.project(torch.cat(parts, dim=-1))).transpose(1, 2).to(dtype) * maskf
        for block in self.blocks:
            x = block(x, maskf)
        x = x.transpose(1, 2).float()
        if self.lstm is not None:
            lengths = mask.sum(1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            x, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])
        return x
