"""Candidate sets of incomplete decoders: top-k and nucleus masks, and their consistent variants.

A mask is a boolean tensor shaped like the scores, True where a token stays a candidate.
Ties are kept together: top-k keeps every token scoring at least the k-th highest score, and
nucleus keeps every token scoring at least the lowest score of the smallest prefix (by
descending probability) whose mass reaches p. The consistent variants (Welleck et al., 2020)
also keep ``<eos>``, so it can never be excluded forever.
"""

from __future__ import annotations

import torch


def top_k_mask(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Tokens whose score is at least the k-th highest of their row."""
    if k <= 0:
        raise ValueError("top-k needs k >= 1")
    k = min(k, scores.shape[-1])
    threshold = torch.topk(scores, k, dim=-1).values[..., -1:]
    return scores >= threshold


def nucleus_mask(log_probs: torch.Tensor, p: float) -> torch.Tensor:
    """The smallest set of most probable tokens whose probability reaches ``p`` (ties included)."""
    if not 0 < p <= 1:
        raise ValueError("nucleus p must be in (0, 1]")
    if p == 1:
        return torch.ones_like(log_probs, dtype=torch.bool)
    sorted_log_probs, _ = torch.sort(log_probs, dim=-1, descending=True)
    probs = sorted_log_probs.double().exp()
    mass_before = torch.cumsum(probs, dim=-1) - probs
    # The number of tokens needed: those whose preceding mass is still below p (at least one);
    # a mass within rounding of p counts as reaching it.
    needed = (mass_before < p - 1e-6).sum(dim=-1, keepdim=True).clamp(min=1)
    threshold = torch.gather(sorted_log_probs, -1, needed - 1)
    return log_probs >= threshold


def keep_token(mask: torch.Tensor, token: int) -> torch.Tensor:
    """``mask`` with ``token`` (``<eos>``) always a candidate: the consistent variant."""
    mask = mask.clone()
    mask[..., token] = True
    return mask


def restrict(log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities renormalised over the candidates in ``mask``; others get -inf."""
    masked = log_probs.masked_fill(~mask, float("-inf"))
    return masked - torch.logsumexp(masked, dim=-1, keepdim=True)
