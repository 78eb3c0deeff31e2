"""Helpers shared by the test files: the ``nlptk`` command as a subprocess and its error checks."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
PUNCT = "，。、！？"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data (the development data sets)")
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="trains a model: needs torch")


def run_nlptk(
    *args: str | Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m nlptk ARGS`` with ``stdin`` (empty by default), output captured as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "nlptk", *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


class CommandTimeout(BaseException):
    """An in-process command ran past its time limit: a hang (not an Exception, so nothing catches it)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise CommandTimeout


def invoke(
    *args: str | Path, stdin: bytes | None = None, cwd: Path | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[bytes]:
    """``nlptk ARGS`` in this process, through the command's own ``main`` (its error handling, exit
    statuses and output): a subprocess run without the seconds of start-up. An exception that
    escapes ``main`` (a traceback for the user) propagates to the test; a run past ``timeout``
    seconds raises :class:`CommandTimeout`. For signals, pipes, the environment and imports, use
    :func:`run_nlptk`."""
    from nlptk.cli import main

    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    argv = ["nlptk", *map(str, args)]
    saved = sys.argv, sys.stdin, os.getcwd(), signal.signal(signal.SIGALRM, _on_alarm)
    status = 0
    try:
        sys.argv, sys.stdin = argv, stdin_stream
        if cwd is not None:
            os.chdir(cwd)
        signal.alarm(timeout)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.alarm(0)
        sys.argv, sys.stdin = saved[0], saved[1]
        os.chdir(saved[2])
        signal.signal(signal.SIGALRM, saved[3])
    return subprocess.CompletedProcess(argv, status, stdout.buffer.getvalue(), stderr.buffer.getvalue())


def one_line_error(result: subprocess.CompletedProcess[bytes], *needles: str, status: int = 1) -> str:
    """Check a failure: exit ``status`` (1 runtime, 2 usage), stderr one line 'nlptk: error: …'
    naming ``needles``, no traceback, nothing on stdout."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == status, (result.returncode, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nlptk: error:"), err
    for needle in needles:
        assert needle in lines[0], (needle, err)
    return lines[0]


def usage_error(result: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    """A bad option or option value: one line naming ``needles``, exit 2."""
    return one_line_error(result, *needles, status=2)


def out(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    return result.stdout.decode("utf-8")


def jsonl_records(result: Any) -> list[dict]:
    """The JSON lines a successful in-process (typer ``CliRunner``) run printed."""
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def random_chinese(chars: int, seed: int, alphabet: int = 2500, punct_rate: float = 0.08) -> str:
    rng = random.Random(seed)
    han = [chr(0x4E00 + i) for i in range(alphabet)]
    return "".join(rng.choice(PUNCT) if rng.random() < punct_rate else rng.choice(han) for _ in range(chars))


def write_repeated_line(path: Path, size: int, seed: int) -> None:
    """About ``size`` bytes of one line (no newline): a seeded random block of Chinese, repeated."""
    block = random_chinese(1 << 18, seed).encode("utf-8")
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            handle.write(block)
            written += len(block)


PLANTED = ["北京大学", "人工智能", "机器翻译", "葡萄酒", "区块链", "玻璃", "蝴蝶", "垃圾"]


def filler_chars(count: int, avoid: str = "", end: int = 0x5300) -> list[str]:
    """The first ``count`` CJK characters from U+4E00 on (below ``end``) that are not in ``avoid``:
    random text made of them shares no character with the words planted in it."""
    return [c for c in map(chr, range(0x4E00, end)) if c not in avoid][:count]


def corpus_file(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    """``text`` written as ``corpus.txt`` in a fresh folder ``name`` (for module-scoped fixtures)."""
    path = tmp_path_factory.mktemp(name) / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


def small_corpus(lines: int = 3000, seed: int = 3) -> str:
    """Lines of random filler with planted words (they share no character with the filler)."""
    rng = random.Random(seed)
    filler = filler_chars(600, "".join(PLANTED), end=0x5200)
    out_lines = []
    for _ in range(lines):
        parts = []
        for _ in range(rng.randint(4, 12)):
            parts.append(rng.choice(PLANTED) if rng.random() < 0.01 else rng.choice(filler))
            if rng.random() < 0.1:
                parts.append(rng.choice(PUNCT))
        out_lines.append("".join(parts))
    return "\n".join(out_lines) + "\n"


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """torch on one thread for the tests of a module (tiny models: threads only cost)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_file(tmp_path_factory, "cli", small_corpus())


# --- model directories ---------------------------------------------------------------------------


def edit_config(directory: Path, **changes: object) -> None:
    """Change fields of a model directory's config.json."""
    path = directory / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(changes)
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")


def damaged_copy(model_dir: Path, tmp_path: Path, damage: Callable[[Path], object]) -> Path:
    """A copy of ``model_dir`` in ``tmp_path`` with ``damage`` done to it."""
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    damage(copy)
    return copy


def _legacy(model_dir: Path, weights: bytes) -> None:
    """Replace the weights with a file of the older torch format holding ``weights``."""
    (model_dir / "weights.npz").unlink()
    (model_dir / "weights.pt").write_bytes(weights)


# Damage to the files of any model directory; a loader must turn each into one NlptkError.
FILE_DAMAGES: dict[str, Callable[[Path], object]] = {
    "not json": lambda d: (d / "config.json").write_text("{not json", encoding="utf-8"),
    "json list": lambda d: (d / "config.json").write_text("[]", encoding="utf-8"),
    "json string": lambda d: (d / "config.json").write_text('"a string"', encoding="utf-8"),  # AttributeError
    "no weights": lambda d: (d / "weights.npz").unlink(),
    "truncated weights": lambda d: (d / "weights.npz").write_bytes((d / "weights.npz").read_bytes()[:200]),
    "garbage weights": lambda d: (d / "weights.npz").write_bytes(b"not a numpy file"),
    "empty weights": lambda d: (d / "weights.npz").write_bytes(b""),  # EOFError
    "legacy garbage weights": lambda d: _legacy(d, b"not a torch file"),  # pickle.UnpicklingError
}


def assert_stored_exactly(model: Any, tmp_path: Path) -> None:
    """A loaded model saved and loaded again has exactly its weights (the compact form is stable)."""
    import torch

    model.save(tmp_path / "again")
    again = type(model).load(tmp_path / "again")
    for name, value in model.state_dict().items():
        assert torch.equal(value, again.state_dict()[name]), name
