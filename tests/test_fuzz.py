"""Fuzz every command with random bytes and random option values, in-process and bounded in time.

Whatever the input, a command ends with exit status 0, 1 or 2, never a traceback; a failure is one
line on stderr and leaves no output file (complete or partial) and no temporary file behind.
"""

from __future__ import annotations

import enum
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import get_args, get_origin

import pytest
from conftest import CommandTimeout, invoke
from typer import core, main

from nlptk.cli import app

BUDGET_SECONDS = 50.0
CASE_SECONDS = 30
SEED = 20261201
REPO = Path(__file__).resolve().parents[1]
SHIPPED_MODELS = [REPO / "nlptk" / "data" / name for name in ("seg", "couplet", "title")]
# Options that would let a well-formed run go on for long; each command gets quick fixed values.
QUICK = {"epochs": "1", "max_minutes": "0.02", "patience": "1"}
INTS = ["-1", "0", "1", "2", "3", "99999999999999999999", "x", ""]
FLOATS = ["-1", "0", "0.5", "1", "2", "nan", "inf", "1e400", "x"]
# Commands that answer line by line: they write every answer and report the bad lines (exit 1).
PER_LINE = {("couplet", "answer"), ("title", "generate")}
STRINGS = ["", "x", "-1", "0", "2,4,6", "a,b", "beam-0", "nucleus-2", "topk-0", "greedy", "0M", "-1G", "今天", "jieba"]


def _leaf_commands() -> Iterator[tuple[list[str], core.TyperCommand]]:
    def walk(command, path: list[str]) -> Iterator[tuple[list[str], core.TyperCommand]]:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            yield path, command

    return walk(main.get_command(app), [])


def _inputs(tmp: Path, rng: random.Random) -> list[Path]:
    """Files of many kinds: random bytes, random text, tagged-looking text, empty; and oddities."""
    han = [chr(rng.randrange(0x4E00, 0x4E00 + 300)) for _ in range(4000)]
    text = "".join(c + ("，" if rng.random() < 0.1 else "") + ("\n" if rng.random() < 0.05 else "") for c in han)
    files = {
        "bytes.txt": bytes(rng.randrange(256) for _ in range(3000)),
        "text.txt": text.encode("utf-8"),
        "words.txt": " ".join(text[i : i + rng.randrange(1, 4)] for i in range(0, 3000, 3)).encode("utf-8"),
        "tagged.txt": "\n".join(f"{c}\t{rng.choice(['O', 'B-PER', 'I-PER'])}" for c in han[:800]).encode("utf-8"),
        "pairs.txt": "\n".join(
            f"{han[i]} {han[i + 1]}\t=>\t{han[i + 2]} {han[i + 3]}" for i in range(0, 400, 4)
        ).encode(),
        "jsonl.txt": b'{"content": "\xe4\xbb\x8a\xe5\xa4\xa9", "title": 3}\n{broken\n',
        "empty.txt": b"",
        "nul.txt": b"\x00\x00\n\x00",
    }
    paths = []
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        paths.append(tmp / name)
    (tmp / "adir").mkdir()
    (tmp / "junkmodel").mkdir()
    (tmp / "junkmodel" / "config.json").write_text('{"format": 3}')
    (tmp / "junkmodel" / "weights.npz").write_bytes(b"not numpy")
    return [*paths, tmp / "adir", tmp / "missing.txt"]


def _value(param: core.TyperOption | core.TyperArgument, pool: list[Path], rng: random.Random, out: Path) -> str:
    desc = param.type_descriptor
    annotation = desc.annotation
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    if param.name == "output":
        return str(out)
    if param.name in ("model", "init_from"):
        return str(rng.choice([*SHIPPED_MODELS, out.parent / "junkmodel", *pool]))
    if desc.is_choice or (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
        choices = [c.value if isinstance(c, enum.Enum) else str(c) for c in (desc.choices or list(annotation))]
        return rng.choice([*choices, "bogus"])
    if annotation is int:
        return rng.choice(INTS)
    if annotation is float:
        return rng.choice(FLOATS)
    if annotation is Path or param.name in ("inputs", "train", "data", "dev", "gold", "pred", "table"):
        return str(rng.choice(pool))
    return rng.choice([*STRINGS, str(rng.choice(pool))])


def _arguments(command: core.TyperCommand, pool: list[Path], rng: random.Random, out: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if param.name in ("help", "version"):
            continue
        if param.name in QUICK and isinstance(param, core.TyperOption):
            args += [param.opts[-1], QUICK[param.name]]
            continue
        if isinstance(param, core.TyperArgument):
            count = 1 if param.nargs == 1 else rng.randrange(1, 3)
            args += [_value(param, pool, rng, out) for _ in range(count)]
        elif param.is_flag:
            if rng.random() < 0.3:
                args.append(param.opts[-1])
        elif param.required or rng.random() < 0.4:
            args += [param.opts[-1], _value(param, pool, rng, out)]
    return args


@pytest.fixture
def restore_threads() -> Iterator[None]:
    threads = None
    if "torch" in sys.modules:
        threads = sys.modules["torch"].get_num_threads()
    yield
    if threads is not None:
        sys.modules["torch"].set_num_threads(threads)


def test_random_inputs_and_options_never_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_threads: None
) -> None:
    rng = random.Random(SEED)
    pool = _inputs(tmp_path, rng)
    monkeypatch.chdir(tmp_path)
    commands = list(_leaf_commands())
    deadline = time.monotonic() + BUDGET_SECONDS
    cases = 0
    problems: list[str] = []
    while time.monotonic() < deadline or cases < len(commands):
        path, command = commands[cases % len(commands)]
        outdir = tmp_path / f"case{cases}"
        outdir.mkdir()
        out = outdir / "out"
        argv = [*path, *_arguments(command, pool, rng, out)]
        cases += 1
        try:
            result = invoke(*argv, timeout=CASE_SECONDS)
            status, err = result.returncode, result.stderr.decode("utf-8", "replace")
        except CommandTimeout:
            problems.append(f"hang (> {CASE_SECONDS} s): nlptk {' '.join(argv)}")
            continue
        except Exception as exc:  # a traceback for the user
            problems.append(f"{type(exc).__name__}: {exc}: nlptk {' '.join(argv)}")
            continue
        lines = [line for line in err.splitlines() if line.strip()]
        leftovers = [p.name for p in outdir.iterdir() if p.name != "out"]
        if status not in (0, 1, 2):
            problems.append(f"exit {status}: nlptk {' '.join(argv)}: {err[-300:]}")
        elif "Traceback" in err:
            problems.append(f"traceback on stderr: nlptk {' '.join(argv)}: {err[-300:]}")
        elif status and not (lines and lines[-1].startswith("nlptk: error:")):
            problems.append(f"exit {status} without an error line: nlptk {' '.join(argv)}: {err[-300:]}")
        elif status and out.exists() and tuple(path) not in PER_LINE:
            problems.append(f"output left after a failure: nlptk {' '.join(argv)}")
        elif leftovers:
            problems.append(f"temporary files left {leftovers}: nlptk {' '.join(argv)}")
    assert not problems, f"{len(problems)} of {cases} cases failed:\n" + "\n".join(problems)
