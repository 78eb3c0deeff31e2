"""Run a command and report its wall time and peak resident memory (from the child's rusage)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int


def measure(args: list[str], stdout: str = os.devnull) -> Run:
    """Wall seconds and peak RSS (MiB) of one run of ``args``; stdout goes to ``stdout``."""
    with open(stdout, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        sys.stderr.write(process.stderr.read().decode("utf-8", "replace") if process.stderr else "")
    return Run(seconds, usage.ru_maxrss / 1024, returncode)


def best_of(times: int, call, *args):
    """``call(*args)`` run ``times`` times: the last result and the shortest wall time in seconds."""
    best, result = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        result = call(*args)
        best = min(best, time.perf_counter() - start)
    return result, best


def nlptk(*args: str) -> list[str]:
    """The command line of an nlptk invocation with this interpreter."""
    return [sys.executable, "-m", "nlptk", *args]


def score_pku(pred: str) -> dict:
    """`nlptk evaluate segment` of a segmentation of pku_test.utf8 against its gold, as a dict."""
    import json

    from corpus import DATA

    pku = DATA / "cws" / "pku"
    args = ["evaluate", "segment", str(pku / "pku_test_gold.utf8"), pred]
    args += ["--training-words", str(pku / "pku_training_words.utf8"), "--format", "json"]
    return json.loads(subprocess.run(nlptk(*args), capture_output=True, text=True, check=True).stdout)
