"""Compact state dicts for shipped models: chosen embedding tables as int8 with a float16 scale per
row, every other float tensor as float16. Loaded with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import pickle
from collections.abc import Iterable

import torch

# What a wrong or damaged model file raises while its config and weights are read and applied.
MODEL_LOAD_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    AssertionError,
    RuntimeError,
    OSError,
    EOFError,
    pickle.UnpicklingError,
)


def compact_state(state: dict[str, torch.Tensor], int8_names: Iterable[str] = ()) -> dict[str, torch.Tensor]:
    """``state`` with the tensors named in ``int8_names`` as int8 rows and the rest as float16."""
    int8_names = set(int8_names)
    out: dict[str, torch.Tensor] = {}
    for name, value in state.items():
        value = value.detach()
        if name in int8_names:
            scale = value.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127
            out[name + ".int8"] = torch.round(value / scale).to(torch.int8)
            out[name + ".scale"] = scale.half()
        else:
            out[name] = value.half() if value.is_floating_point() else value
    return out


def expand_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The float32 state dict of :func:`compact_state`'s output."""
    out: dict[str, torch.Tensor] = {}
    for name, value in state.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".int8"):
            base = name.removesuffix(".int8")
            out[base] = value.float() * state[base + ".scale"].float()
        else:
            out[name] = value.float() if value.is_floating_point() else value
    return out


def load_error_reason(exc: BaseException) -> str:
    """The first line of an exception's message (its type when the message is empty)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]
