"""Model directories (``config.json`` + ``weights.pt``, written atomically, loaded with
``torch.load(weights_only=True)``), the models shipped in the package, and compact state dicts
for them: chosen embedding tables as int8 with a float16 scale per row, every other float
tensor as float16. Importing this module imports no torch; the functions that need it do."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from nlptk.errors import NlptkError
from nlptk.io import atomic_directory

if TYPE_CHECKING:
    import torch

Model = TypeVar("Model")

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


def shipped_model_path(name: str) -> Path:
    """The directory of the model shipped in the package as ``nlptk/data/NAME`` (seg, couplet, title)."""
    return Path(str(resources.files("nlptk") / "data" / name))


def model_path(path: str | os.PathLike[str] | None, shipped: str, train_command: str) -> Path:
    """``path``, or without one the shipped model ``shipped``; an installation without that model
    gives an :class:`NlptkError` saying how to train one (``train_command``)."""
    if path is not None:
        return Path(path)
    found = shipped_model_path(shipped)
    if not (found / "config.json").is_file():
        raise NlptkError(f"no {shipped} model is shipped in this installation; train one with '{train_command}'")
    return found


def compact_state(state: dict[str, torch.Tensor], int8_names: Iterable[str] = ()) -> dict[str, torch.Tensor]:
    """``state`` with the tensors named in ``int8_names`` as int8 rows and the rest as float16."""
    import torch

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


def save_model_directory(
    path: str | os.PathLike[str], kind: str, config: dict, state: dict, force: bool = False
) -> None:
    """Write ``config`` (tagged with the format ``kind``) and ``state`` as a model directory, atomically;
    an existing model directory is replaced only with ``force``, anything else never."""
    import torch

    with atomic_directory(path, force) as tmp:
        torch.save(state, tmp / "weights.pt")
        text = json.dumps({"format": kind, **config}, ensure_ascii=False, indent=1)
        (tmp / "config.json").write_text(text, encoding="utf-8")


def load_model_directory(
    path: str | os.PathLike[str], kind: str, name: str, build: Callable[[dict, dict], Model]
) -> Model:
    """``build(config, state)`` from a directory written by :func:`save_model_directory`; a missing,
    wrong or damaged model gives an :class:`NlptkError` naming ``name`` (e.g. "couplet model")."""
    import torch

    directory = Path(path)
    config_path, weights_path = directory / "config.json", directory / "weights.pt"
    if not directory.is_dir() or not config_path.is_file() or not weights_path.is_file():
        raise NlptkError(f"{path}: not a {name} (a directory with config.json and weights.pt)")
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        if raw.pop("format", None) != kind:
            raise ValueError(f"config.json is not an nlptk {name} config")
        return build(raw, torch.load(weights_path, map_location="cpu", weights_only=True))
    except MODEL_LOAD_ERRORS as exc:
        raise NlptkError(f"{path}: cannot load {name} ({load_error_reason(exc)})") from None
