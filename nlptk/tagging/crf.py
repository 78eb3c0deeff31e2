"""A linear-chain CRF over emission scores: log-partition, gold-path score, Viterbi.

Scores of a path y: start[y0] + Σ emissions[t, yt] + Σ transitions[y(t-1), yt] + end[y(n-1)].
Transitions, starts and ends that the tag scheme forbids get a fixed large negative score,
so neither training nor decoding ever prefers an illegal sequence. Batches are padded on the
right and described by a boolean mask; decoding is the numpy :func:`~nlptk.tagging.viterbi.viterbi`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nlptk.tagging.viterbi import FORBIDDEN, viterbi


class CRF(nn.Module):
    def __init__(self, allowed: np.ndarray, can_start: np.ndarray, can_end: np.ndarray) -> None:
        super().__init__()
        k = allowed.shape[0]
        self.transitions = nn.Parameter(torch.zeros(k, k))
        self.start = nn.Parameter(torch.zeros(k))
        self.end = nn.Parameter(torch.zeros(k))
        self.register_buffer("trans_penalty", torch.from_numpy(np.where(allowed, 0.0, FORBIDDEN)).float())
        self.register_buffer("start_penalty", torch.from_numpy(np.where(can_start, 0.0, FORBIDDEN)).float())
        self.register_buffer("end_penalty", torch.from_numpy(np.where(can_end, 0.0, FORBIDDEN)).float())

    @property
    def num_tags(self) -> int:
        return self.transitions.shape[0]

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The transition, start and end scores, forbidden ones included."""
        return (
            self.transitions + self.trans_penalty,
            self.start + self.start_penalty,
            self.end + self.end_penalty,
        )

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z for each sequence: ``emissions`` (B, T, K), ``mask`` (B, T) with mask[:, 0] all True."""
        trans, start, end = self.scores()
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    def path_score(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Score of the tag paths ``tags`` (B, T)."""
        trans, start, end = self.scores()
        maskf = mask.float()
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        score = start[tags[:, 0]] + (emitted * maskf).sum(1)
        if tags.shape[1] > 1:
            steps = trans[tags[:, :-1], tags[:, 1:]]
            score = score + (steps * maskf[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1).clamp(min=0)).squeeze(1)
        return score + end[last]

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of the gold paths."""
        return (self.log_partition(emissions, mask) - self.path_score(emissions, tags, mask)).mean()

    @torch.no_grad()
    def viterbi(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[np.ndarray]:
        """The best legal path of each sequence (arrays of the unpadded lengths), by :func:`viterbi`."""
        scores = (score.float().numpy() for score in self.scores())
        return viterbi(emissions.float().numpy(), mask.sum(1).numpy(), *scores)
