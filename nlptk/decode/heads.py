"""Output layers that turn hidden states into next-token log-probabilities.

:class:`SoftmaxHead` is the usual softmax. :class:`SelfTerminatingHead` (Welleck et al., 2020)
makes ``<eos>`` ever more likely: p(eos | y<t) = 1 − Π_{i≤t} σ'(u_eos·h_i + c_eos) with
σ' = (1 − ε)·sigmoid, so p(eos) ≥ 1 − (1 − ε)^(t+1); the other tokens share 1 − p(eos) by a
softmax over V ∖ {eos}. Both take hidden states (B, T, D) and a carry (B,) from earlier steps
(the self-terminating head's running log Π; unused by the softmax) and return log-probabilities
(B, T, V) with the new carry, so training (whole sentences) and decoding (one step at a time)
share one code path.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SoftmaxHead(nn.Module):
    def __init__(self, dim: int, vocab: int, eos: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, vocab)
        self.eos = eos

    def forward(self, hidden: torch.Tensor, carry: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.log_softmax(self.proj(hidden).float(), dim=-1), carry


class SelfTerminatingHead(nn.Module):
    def __init__(self, dim: int, vocab: int, eos: int, epsilon: float = 1e-5) -> None:
        super().__init__()
        if not 0 < epsilon < 1:
            raise ValueError("the self-terminating head needs 0 < epsilon < 1")
        self.proj = nn.Linear(dim, vocab)
        self.eos = eos
        self.log_ceiling = math.log1p(-epsilon)  # log(1 − ε)

    def forward(self, hidden: torch.Tensor, carry: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.proj(hidden).float()
        log_beta = self.log_ceiling + nn.functional.logsigmoid(logits[..., self.eos])
        log_alpha = carry[:, None] + torch.cumsum(log_beta, dim=1)  # log Π_{i≤t} σ'(·) = log(1 − p(eos))
        log_eos = torch.log(-torch.expm1(log_alpha))
        others = logits.clone()
        others[..., self.eos] = float("-inf")
        log_probs = log_alpha[..., None] + torch.log_softmax(others, dim=-1)
        log_probs[..., self.eos] = log_eos
        return log_probs, log_alpha[:, -1]
