"""Model directories (``config.json`` + ``weights.pt``, written atomically, loaded with
``torch.load(weights_only=True)``), the models shipped in the package, and compact state dicts
for them: chosen embedding tables as int8 with a float16 scale per row, every other float
tensor as float16. Importing this module imports no torch; the functions that need it do."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

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

    def saved_state(self) -> dict[str, torch.Tensor]:
        """The weights as they are written: :func:`compact_state` of the state dict."""
        return compact_state(self.state_dict(), self.INT8)  # type: ignore[attr-defined]

    @classmethod
    def from_saved(cls, config: dict, state: dict[str, torch.Tensor]) -> Any:
        """The model of a config and a state read from a model directory."""
        model = cls(cls.CONFIG(**config))  # type: ignore[call-arg]
        model.load_state_dict(expand_state(state))  # type: ignore[attr-defined]
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Any:
        """Load a model directory written by :meth:`save` (without ``path``, the shipped model), in eval mode."""
        if cls.SHIPPED:
            path = model_path(path, cls.SHIPPED, cls.TRAIN_COMMAND)
        if path is None:
            raise NlptkError(f"no {cls.NAME} is shipped: give one")
        return load_model_directory(path, cls.FORMAT, cls.NAME, cls.from_saved).eval()
