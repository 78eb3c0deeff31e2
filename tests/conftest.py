"""Helpers shared by the test files: the ``nlptk`` command as a subprocess and its error checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data (the development data sets)")


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
