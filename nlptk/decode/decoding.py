"""How a generator chooses tokens (no torch: the commands read their defaults here)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nlptk import checks
from nlptk.errors import OptionError

METHODS = ("greedy", "beam", "sample")
MAX_LEN = 100  # tokens decoded at most, unless told otherwise


@dataclass(frozen=True)
class Decoding:
    """How to choose tokens. ``parse`` reads names such as ``beam-4`` or ``consistent-nucleus-0.2``.

    A temperature of 0 is the limit of sampling at ever lower temperatures: the most probable
    (allowed) token every step, as greedy decoding; it does not change greedy or beam search."""

    method: str = "greedy"  # greedy | beam | sample
    beam: int = 1
    top_k: int = 0  # sample: only the k most probable tokens (0: all)
    top_p: float = 0.0  # sample: only the nucleus of mass p (0: all)
    consistent: bool = False  # keep <eos> among the candidates of top-k / nucleus
    temperature: float = 1.0
    length_penalty: float = 0.0  # beam: rank finished hypotheses by score / length ** penalty
    max_len: int = MAX_LEN

    def __post_init__(self) -> None:
        checks.one_of("method", self.method, METHODS)
        checks.at_least("beam", self.beam, 1)
        checks.at_least("top_k", self.top_k, 0)
        checks.fraction("top_p", self.top_p, closed=True)
        checks.at_least("temperature", self.temperature, 0)
        if math.isinf(self.temperature):
            raise OptionError("temperature", "must be a finite number")
        checks.at_least("length_penalty", self.length_penalty, 0)
        checks.at_least("max_len", self.max_len, 1)

    NAMES = "greedy, beam-N, ancestral, topk-K, nucleus-P, consistent-topk-K, consistent-nucleus-P"

    @classmethod
    def parse(
        cls, name: str, max_len: int = MAX_LEN, temperature: float = 1.0, length_penalty: float = 0.0
    ) -> Decoding:
        """A decoding from its name (see ``NAMES``); an :class:`OptionError` of ``--decoder`` names the problem."""
        base = {"max_len": max_len, "temperature": temperature, "length_penalty": length_penalty}
        consistent = name.startswith("consistent-")
        kind, _, value = name.removeprefix("consistent-").partition("-")
        if name in ("greedy", "ancestral"):
            return cls("greedy" if name == "greedy" else "sample", **base)
        if consistent and kind not in ("topk", "nucleus"):
            raise OptionError("decoder", f"{name}: consistent- goes only with topk-K and nucleus-P")
        if kind == "beam":
            return cls("beam", beam=_whole(name, kind, value, "beam width"), **base)
        if kind == "topk":
            return cls("sample", top_k=_whole(name, kind, value, "k"), consistent=consistent, **base)
        if kind == "nucleus":
            return cls("sample", top_p=_nucleus(name, value), consistent=consistent, **base)
        raise OptionError("decoder", f"{name!r} is unknown (one of: {cls.NAMES})")

    @property
    def name(self) -> str:
        prefix = "consistent-" if self.consistent else ""
        if self.method == "beam":
            return f"beam-{self.beam}"
        if self.top_k:
            return f"{prefix}topk-{self.top_k}"
        if self.top_p:
            return f"{prefix}nucleus-{self.top_p:g}"
        return "ancestral" if self.method == "sample" else "greedy"


def _whole(name: str, kind: str, value: str, what: str) -> int:
    """The whole number ≥ 1 after the dash of decoder ``name`` (of the ``kind`` beam or topk)."""
    if not (value.isascii() and value.isdigit()):
        raise OptionError("decoder", f"{name}: {what} must be a whole number, e.g. {kind}-4")
    if int(value) < 1:
        raise OptionError("decoder", f"{name}: {what} must be at least 1")
    return int(value)


def _nucleus(name: str, value: str) -> float:
    """The nucleus mass p after the dash of decoder ``name``: 0 < p ≤ 1."""
    try:
        p = float(value)
    except ValueError:
        raise OptionError("decoder", f"{name}: nucleus p must be a number, e.g. nucleus-0.9") from None
    if not 0 < p <= 1:
        raise OptionError("decoder", f"{name}: nucleus p must be above 0 and at most 1")
    return p
