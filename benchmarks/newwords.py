"""Speed and memory of `nlptk newwords` and `nlptk count` on the ~100 MB news corpus and 4x it.

    python benchmarks/newwords.py            # all rows
    python benchmarks/newwords.py --quick    # skip the 400 MB rows

Prints one row per run: corpus, command, memory budget, wall seconds, MB/s, peak RSS.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from corpus import CACHE, build
from measure import measure, nlptk


def repeated(path: Path, times: int) -> Path:
    """``path``'s text ``times`` over (cached)."""
    target = CACHE / f"{path.stem}x{times}.txt"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            for _ in range(times):
                with open(path, "rb") as handle:
                    while block := handle.read(1 << 24):
                        out.write(block)
        tmp.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only the 100 MB corpus")
    options = parser.parse_args()
    news = build("news100")
    corpora = [news] if options.quick else [news, repeated(news, 4)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in corpora:
            size_mb = os.path.getsize(corpus) / 1e6
            runs = [
                ("newwords", "1G", nlptk("newwords", str(corpus), "--quiet", "--memory", "1G")),
                ("newwords", "512M", nlptk("newwords", str(corpus), "--quiet", "--memory", "512M")),
                ("count -o", "1G", nlptk("count", str(corpus), "--quiet", "-o", f"{tmp}/t.ngt", "--memory", "1G")),
            ]
            for name, budget, args in runs:
                run = measure(args)
                status = "" if run.returncode == 0 else f"  FAILED ({run.returncode})"
                rows.append(
                    (corpus.name, f"{size_mb:.0f}", name, budget, run.seconds, size_mb / run.seconds, run.peak_mb)
                )
                print(f"{rows[-1][0]:<16} {name:<9} {budget:>5} {run.seconds:7.2f} s{status}", flush=True)
    print()
    print("| corpus | MB | command | --memory | wall s | MB/s | peak RSS MiB |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for corpus, size, name, budget, seconds, speed, peak in rows:
        print(f"| {corpus} | {size} | {name} | {budget} | {seconds:.2f} | {speed:.1f} | {peak:.0f} |")
    print(f"\nmachine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
