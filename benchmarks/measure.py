"""Run a command and report its wall time and peak resident memory (from the child's rusage).

A child's peak RSS on Linux starts from its parent's at the fork, so a benchmark that has loaded
a model would inflate the figures of every command it runs; commands are therefore started by a
small launcher process, which reports its child's peak.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int


# Runs sys.argv[2:] and writes its exit status, peak RSS (KiB) and wall seconds to the file sys.argv[1].
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {seconds}")
"""


def measure(args: list[str], stdout: str = os.devnull, stdin: str | None = None) -> Run:
    """Wall seconds and peak RSS (MiB) of one run of ``args``; stdout goes to ``stdout``, stdin
    comes from the file ``stdin`` (none by default)."""
    with tempfile.TemporaryDirectory() as tmp, open(stdout, "wb") as out, open(stdin or os.devnull, "rb") as source:
        report = os.path.join(tmp, "report")
        process = subprocess.run(
            [sys.executable, "-c", LAUNCHER, report, *args], stdin=source, stdout=out, stderr=subprocess.PIPE
        )
        with open(report) as handle:
            status, peak_kib, seconds = handle.read().split()
    returncode = int(status)
    if returncode != 0:
        sys.stderr.write(process.stderr.decode("utf-8", "replace"))
    return Run(float(seconds), int(peak_kib) / 1024, returncode)


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
