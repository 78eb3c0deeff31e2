"""`nlptk count` and `nlptk newwords` on one machine and with `--cluster local:N`, on news100 ×4.

    python benchmarks/cluster.py                 # the 400 MB corpus
    python benchmarks/cluster.py --corpus news100 --runs count
    python benchmarks/cluster.py --runs newwords --where "one machine" local:2 --repeat 3

Prints one row per run: wall seconds, the client's and the largest worker's peak RSS (sampled
from the process tree every 50 ms), the bytes sent over the loopback interface during the run
(all that Dask moves between client, scheduler and workers here would cross a network on a
real cluster), and whether the output is identical to the one-machine run. Run it on an idle
machine: the loopback count takes every process's traffic.
"""

from __future__ import annotations

import argparse
import filecmp
import itertools
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass

import psutil
from corpus import CACHE, build
from measure import nlptk
from newwords import repeated

PLACES = ["one machine", "local:2", "local:1"]


@dataclass
class ClusterRun:
    seconds: float
    client_mb: float
    worker_mb: float
    loopback_mb: float
    returncode: int


def sampled(args: list[str], stdout: str) -> ClusterRun:
    """Run ``args`` and sample the RSS of it and its descendants (the workers of local:N)."""
    sent = psutil.net_io_counters(pernic=True)["lo"].bytes_sent
    start = time.perf_counter()
    with open(stdout, "wb") as out, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, stdout=out, stderr=errors)
        top = psutil.Process(process.pid)
        client = worker = 0
        while process.poll() is None:
            try:
                client = max(client, top.memory_info().rss)
                for child in top.children(recursive=True):
                    worker = max(worker, child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.05)
        if process.returncode:
            errors.seek(0)
            print(errors.read().decode("utf-8", "replace").strip().splitlines()[-1:])
    seconds = time.perf_counter() - start
    moved = psutil.net_io_counters(pernic=True)["lo"].bytes_sent - sent
    return ClusterRun(seconds, client / 2**20, worker / 2**20, moved / 2**20, process.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="news100x4", choices=["news100", "news100x4"])
    parser.add_argument("--runs", nargs="+", default=["count", "newwords"], choices=["count", "newwords"])
    parser.add_argument("--memory", default="2G", help="--memory of every run (per worker with --cluster)")
    parser.add_argument(
        "--where", nargs="+", default=PLACES, choices=PLACES, help="where to run (the first is the reference)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="run the whole sequence this many times")
    options = parser.parse_args()
    news = build("news100")
    corpus = news if options.corpus == "news100" else repeated(news, 4)
    size_mb = os.path.getsize(corpus) / 1e6
    rows = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for command, _ in itertools.product(options.runs, range(options.repeat)):
            first = None
            for where in options.where:
                output = f"{tmp}/{command}-{where.replace(' ', '_')}"
                cluster = [] if where == "one machine" else ["--cluster", where]
                if command == "count":
                    args = nlptk("count", str(corpus), "-o", output, "--quiet", "--memory", options.memory, *cluster)
                    run = sampled(args, os.devnull)
                else:
                    args = nlptk("newwords", str(corpus), "--quiet", "--memory", options.memory, *cluster)
                    run = sampled(args, output)
                first = first or output
                same = "yes" if run.returncode == 0 and filecmp.cmp(first, output, shallow=False) else "NO"
                rows.append((command, where, run, same))
                print(f"{command:<9} {where:<12} {run.seconds:7.2f} s  exit {run.returncode}", flush=True)
    print()
    print(f"{corpus.name}, {size_mb:.0f} MB, --memory {options.memory}")
    print()
    print("| command | where | wall s | MB/s | client peak MiB | worker peak MiB | loopback MiB | same |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for command, where, run, same in rows:
        worker = f"{run.worker_mb:.0f}" if where != "one machine" else "–"
        print(
            f"| {command} | {where} | {run.seconds:.2f} | {size_mb / run.seconds:.1f} | {run.client_mb:.0f} "
            f"| {worker} | {run.loopback_mb:.0f} | {same} |"
        )


if __name__ == "__main__":
    main()
