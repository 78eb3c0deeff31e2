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


def nlptk(*args: str) -> list[str]:
    """The command line of an nlptk invocation with this interpreter."""
    return [sys.executable, "-m", "nlptk", *args]
