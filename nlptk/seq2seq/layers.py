"""Layers shared by the models: the gated residual convolution block (taggers, couplets, titles)
and self-attention, both on (B, D, T) tensors with a (B, 1, T) float mask of real positions.

A gated block computes Y = X⊗(1−σ) + Conv(X)⊗σ with σ = sigmoid(Conv'(X)), both convolutions in
one layer of twice the width.
"""

from __future__ import annotations

import torch
from torch import nn


class GatedConvBlock(nn.Module):
    def __init__(self, dim: int, kernel: int = 3, dilation: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.conv = nn.Conv1d(dim, 2 * dim, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (B, D, T), ``mask`` (B, 1, T) float."""
        value, gate = self.conv(x).chunk(2, dim=1)
        gate = torch.sigmoid(self.dropout(gate))
        return (x + gate * (value - x)) * mask  # = x(1-σ) + value·σ, padding kept at zero


class SelfAttentionBlock(nn.Module):
    """Multi-head self-attention with a residual connection and layer norm, on (B, D, T) tensors."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        seq = x.transpose(1, 2)
        padding = mask[:, 0] == 0
        attended, _ = self.attention(seq, seq, seq, key_padding_mask=padding, need_weights=False)
        return self.norm(seq + self.dropout(attended)).transpose(1, 2) * mask
