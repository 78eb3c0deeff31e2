"""Command-line options bound straight to fields of the library's settings (kenlm's way).

A command lists the fields it exposes (:class:`Opt`); :func:`with_settings` adds one option per
field, whose type and default come from the dataclass, and hands the command the values as a
:class:`Settings`, from which it builds the settings objects (they check the values). The shell
and Python therefore share every default, and a command's signature holds only what is its own.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Optional, TypeVar

import typer

from nlptk.cli.common import floats
from nlptk.cli.options import choices

Command = TypeVar("Command", bound=Callable[..., Any])
KEYWORD = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Opt:
    """One option: the settings field it sets, its help, and its name when that is not the
    field's (``--decoder`` for ``decoder``, or ``--evaluations`` for ``evaluations_per_epoch``)."""

    field: str
    help: str
    name: str = ""  # the option without dashes, underscores for hyphens (default: the field's name)
    choices: tuple[str, ...] = ()  # for a text field with a fixed set of values

    @property
    def param(self) -> str:
        return self.name or self.field

    @property
    def flag(self) -> str:
        return "--" + self.param.replace("_", "-")


class Settings:
    """The values a command was given, per settings class."""

    def __init__(self, values: dict[type, dict[str, Any]]) -> None:
        self._values = values

    def build(self, config: type, **more: Any) -> Any:
        """``config`` made of the options that set its fields, and ``more``."""
        return config(**self._values.get(config, {}), **more)


def default_of(config: type, name: str) -> Any:
    """The default of field ``name`` of the dataclass ``config``."""
    found = next(f for f in dataclasses.fields(config) if f.name == name)
    if found.default_factory is not dataclasses.MISSING:
        return found.default_factory()
    return found.default


def with_settings(*groups: tuple[type, Sequence[Opt]], run: type | None = None) -> Callable[[Command], Command]:
    """Add the options of ``groups`` (a settings class and the fields it exposes) to a typer
    command, which receives them as ``settings: Settings``; with ``run``, a dataclass whose fields
    are typer options themselves (the options a family of commands shares), add those too and
    hand the command ``run=run(...)``."""

    def decorate(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True)
        added: list[inspect.Parameter] = []
        readers: dict[str, tuple[type, str, Callable[[Any], Any]]] = {}
        for config, options in groups:
            hints = typing.get_type_hints(config)
            for option in options:
                annotation, default, read = _option(config, option, hints[option.field])
                added.append(inspect.Parameter(option.param, KEYWORD, default=default, annotation=annotation))
                readers[option.param] = (config, option.field, read)
        shared = _shared_parameters(run) if run is not None else []
        wants_settings = "settings" in own.parameters

        @functools.wraps(command)
        def wrapper(**given: Any) -> Any:
            values: dict[type, dict[str, Any]] = {}
            for param, (config, field, read) in readers.items():
                values.setdefault(config, {})[field] = read(given.pop(param))
            if run is not None:
                given["run"] = run(**{p.name: given.pop(p.name) for p in shared})
            if wants_settings:
                given["settings"] = Settings(values)
            return command(**given)

        parameters = [p.replace(kind=KEYWORD) for p in own.parameters.values() if p.name not in ("settings", "run")]
        parameters += shared
        required = [p for p in parameters if p.default is inspect.Parameter.empty]
        rest = [p for p in parameters if p.default is not inspect.Parameter.empty]
        wrapper.__signature__ = own.replace(parameters=[*required, *added, *rest])  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _shared_parameters(run: type) -> list[inspect.Parameter]:
    """The fields of the dataclass ``run`` as command parameters (their annotations are typer options)."""
    hints = typing.get_type_hints(run, include_extras=True)
    return [
        inspect.Parameter(
            f.name,
            KEYWORD,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            annotation=hints[f.name],
        )
        for f in dataclasses.fields(run)
    ]


def _option(config: type, option: Opt, kind: Any) -> tuple[Any, Any, Callable[[Any], Any]]:
    """The annotation and default of the option for a field of type ``kind``, and how to read its value."""
    default = default_of(config, option.field)
    if option.choices:
        values = choices(option.flag, option.choices)
        return Annotated[values, typer.Option(option.flag, help=option.help)], values(default), lambda v: v.value
    if typing.get_origin(kind) is list:
        item = typing.get_args(kind)[0]
        text = ",".join(str(value) for value in default)
        return Annotated[str, typer.Option(option.flag, help=option.help)], text, _list_reader(option.flag, item)
    if kind == Optional[bool]:  # noqa: UP045  (a tri-state flag: None is "decide for me")
        flags = f"{option.flag}/--no-{option.flag[2:]}"
        return Annotated[Optional[bool], typer.Option(flags, help=option.help)], default, _same  # noqa: UP045
    if kind is bool:
        flags = f"{option.flag}/--no-{option.flag[2:]}"
        return Annotated[bool, typer.Option(flags, help=option.help)], default, _same
    return Annotated[kind, typer.Option(option.flag, help=option.help)], default, _same


def _same(value: Any) -> Any:
    return value


def _list_reader(flag: str, item: type) -> Callable[[str], list[Any]]:
    """Comma-separated text as a list (empty text: an empty list); numbers are read as floats, so
    that the settings can say what is wrong with 1.5 where a whole number belongs."""

    def read(text: str) -> list[Any]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if item is str or not parts:
            return parts
        return list(floats(flag, text))

    return read
