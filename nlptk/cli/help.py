"""Help text that reads as words: ``--order INTEGER``, ``INPUTS...``, ``[tsv|jsonl]``.

Typer 0.2x writes types as ``<int>`` and ``<list[str]>``; the wording here replaces that in one
place, for every command.
"""

from __future__ import annotations

from typing import Any

from typer import core

_WORDS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "path": "PATH", "Path": "PATH", "bool": ""}


def _word(label: str) -> str:
    label = label.strip("<>")
    while label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:
        return f"[{label}]"
    return _WORDS.get(label, label.upper())


def _option_type(self: core.TyperOption, ctx: Any) -> str:
    return _word(_typer_display_type(self, ctx))


def _argument_type(self: core.TyperArgument, ctx: Any) -> str:
    return ""


def _argument_name(self: core.TyperArgument) -> str:
    name = (self.metavar or self.name or "").upper()
    if self.nargs != 1:
        name += "..."
    return name if self.required else f"[{name}]"


_typer_display_type = core.TyperOption.display_type
if hasattr(core.TyperOption, "display_type"):
    core.TyperOption.display_type = _option_type  # type: ignore[method-assign]
if hasattr(core.TyperArgument, "_usage_display_name"):
    core.TyperArgument.display_type = _argument_type  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = _argument_name  # type: ignore[method-assign]
    core.TyperArgument._rich_display_name = lambda self: _argument_name(self).strip("[]")  # type: ignore[method-assign]
