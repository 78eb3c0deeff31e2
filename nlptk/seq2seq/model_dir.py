"""Model directories (``config.json`` + ``weights.npz``, written atomically), the models shipped
in the package, and compact state dicts for them: chosen embedding tables as int8 with a float16
scale per row, every other float array as float16.

The weights are plain numpy arrays, read with ``numpy.load(allow_pickle=False)``: no pickle, and
no torch needed to read them (the numpy tagger runs without it). Directories written before
this format hold ``weights.pt`` instead, still read with ``torch.load(weights_only=True)``.
Importing this module imports no torch; the functions that need it do."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from nlptk.errors import NlptkError
from nlptk.io import atomic_directory

if TYPE_CHECKING:
    import torch

WEIGHTS = "weights.npz"  # the weights of a model directory
LEGACY_WEIGHTS = "weights.pt"  # the weights of directories written before (a torch state dict)

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
    zipfile.BadZipFile,
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


def compact_state(state: dict[str, np.ndarray], int8_names: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """``state`` with the arrays named in ``int8_names`` as int8 rows and the other floats as float16."""
    int8_names = set(int8_names)
    out: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if name in int8_names:
            value = value.astype(np.float32)
            scale = np.maximum(np.abs(value).max(axis=1, keepdims=True), np.float32(1e-8)) / np.float32(127)
            out[name + ".int8"] = np.round(value / scale).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float16)
        else:
            out[name] = value.astype(np.float16) if np.issubdtype(value.dtype, np.floating) else value
    return out


def expand_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The float32 state of :func:`compact_state`'s output."""
    out: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".int8"):
            base = name.removesuffix(".int8")
            out[base] = value.astype(np.float32) * state[base + ".scale"].astype(np.float32)
        else:
            out[name] = value.astype(np.float32) if np.issubdtype(value.dtype, np.floating) else value
    return out


def numpy_state(state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """A torch state dict as numpy arrays (bfloat16, which numpy lacks, as float32)."""
    import torch

    return {
        name: (value.detach().float() if value.dtype == torch.bfloat16 else value.detach()).numpy()
        for name, value in state.items()
    }


def torch_state(state: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    import torch

    return {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}


def load_error_reason(exc: BaseException) -> str:
    """The first line of an exception's message (its type when the message is empty)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def save_model_directory(
    path: str | os.PathLike[str], kind: str, config: dict, state: dict[str, np.ndarray], force: bool = False
) -> None:
    """Write ``config`` (tagged with the format ``kind``) and ``state`` as a model directory, atomically;
    an existing model directory is replaced only with ``force``, anything else never."""
    with atomic_directory(path, force) as tmp:
        with open(tmp / WEIGHTS, "wb") as out:
            np.savez(out, **state)
        text = json.dumps({"format": kind, **config}, ensure_ascii=False, indent=1)
        (tmp / "config.json").write_text(text, encoding="utf-8")


def read_state(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file: ``weights.npz`` without pickle, or a legacy ``weights.pt``
    (which needs torch) with ``torch.load(weights_only=True)``."""
    if path.name == LEGACY_WEIGHTS:
        try:
            import torch
        except ImportError:
            reason = "weights of the older torch format need torch (pip install 'nlptk[torch]')"
            raise NlptkError(f"{path}: {reason}") from None
        return numpy_state(torch.load(path, map_location="cpu", weights_only=True))
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def load_model_directory(
    path: str | os.PathLike[str], kind: str, name: str, build: Callable[[dict, dict[str, np.ndarray]], Model]
) -> Model:
    """``build(config, state)`` from a directory written by :func:`save_model_directory` (or one
    with legacy weights); a missing, wrong or damaged model gives an :class:`NlptkError` naming
    ``name`` (e.g. "couplet model")."""
    directory = Path(path)
    config_path = directory / "config.json"
    weights = next((directory / f for f in (WEIGHTS, LEGACY_WEIGHTS) if (directory / f).is_file()), None)
    if not directory.is_dir() or not config_path.is_file() or weights is None:
        raise NlptkError(f"{path}: not a {name} (a directory with config.json and {WEIGHTS})")
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        if raw.pop("format", None) != kind:
            raise ValueError(f"config.json is not an nlptk {name} config")
        return build(raw, read_state(weights))
    except MODEL_LOAD_ERRORS as exc:
        raise NlptkError(f"{path}: cannot load {name} ({load_error_reason(exc)})") from None


class SavedModel:
    """Saving and loading a model as a model directory, for a torch module whose ``config`` is a
    dataclass. A subclass names its ``FORMAT``, its ``CONFIG`` class, what it is (``NAME``, for
    errors), the ``INT8`` embedding tables stored as int8 rows, and, where one is shipped, the
    ``SHIPPED`` model that :meth:`load` reads by default and the command that trains one."""

    FORMAT: ClassVar[str]
    CONFIG: ClassVar[type]
    NAME: ClassVar[str]
    INT8: ClassVar[tuple[str, ...]] = ()
    SHIPPED: ClassVar[str] = ""
    TRAIN_COMMAND: ClassVar[str] = ""
    config: Any

    def save(self, path: str | os.PathLike[str], force: bool = False) -> None:
        """Write the model directory atomically (only over an nlptk model directory, with ``force``)."""
        save_model_directory(path, self.FORMAT, asdict(self.config), self.saved_state(), force)

    def saved_state(self) -> dict[str, np.ndarray]:
        """The weights as they are written: :func:`compact_state` of the state dict."""
        return compact_state(numpy_state(self.state_dict()), self.INT8)  # type: ignore[attr-defined]

    @classmethod
    def from_saved(cls, config: dict, state: dict[str, np.ndarray]) -> Any:
        """The model of a config and a state read from a model directory."""
        model = cls(cls.CONFIG(**config))  # type: ignore[call-arg]
        model.load_state_dict(torch_state(expand_state(state)))  # type: ignore[attr-defined]
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Any:
        """Load a model directory written by :meth:`save` (without ``path``, the shipped model), in eval mode."""
        if cls.SHIPPED:
            path = model_path(path, cls.SHIPPED, cls.TRAIN_COMMAND)
        if path is None:
            raise NlptkError(f"no {cls.NAME} is shipped: give one")
        return load_model_directory(path, cls.FORMAT, cls.NAME, cls.from_saved).eval()
