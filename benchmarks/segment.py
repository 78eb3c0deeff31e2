"""Quality and speed of a segmentation model (the shipped one by default) on the SIGHAN-2005 PKU test set.

    python benchmarks/segment.py [--model DIR] [--standard NAME] [--backend numpy torch] [--threads 2] [--times 10]

For each backend: P/R/F1 and OOV recall (scored by `nlptk evaluate segment` with the PKU
training word list), the model load time in process, characters per second of segmentation
after loading on the PKU test repeated ``--times`` times (best of 3), and two runs of the
`nlptk segment` command: one short line (``echo 今天天气不错 | nlptk segment``: start-up) and
the repeated test file, with their wall time and peak RSS. Without torch installed, only numpy.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import DATA
from measure import Run, best_of, measure, score_pku

from nlptk.cpu import torch_installed
from nlptk.seq2seq.model_dir import shipped_model_path
from nlptk.tagging.segmenter import load_segmenter, segment_texts

PKU = DATA / "cws" / "pku"


def command() -> list[str]:
    """The installed ``nlptk`` script beside this interpreter (what a user runs), else ``python -m nlptk``."""
    script = Path(sys.executable).with_name("nlptk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nlptk"]


def short_line_run(args: list[str], tmp: str) -> Run:
    """The fastest of 5 runs of ``echo 今天天气不错 | nlptk segment ARGS`` (wall seconds, peak RSS)."""
    line = Path(tmp) / "line.txt"
    line.write_text("今天天气不错\n", encoding="utf-8")
    return min((measure(command() + args, stdin=str(line)) for _ in range(5)), key=lambda run: run.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(shipped_model_path("seg")))
    parser.add_argument("--standard", default="pku", help="the segmentation standard to time and score")
    parser.add_argument("--backend", nargs="+", default=["numpy", "torch"], choices=["numpy", "torch"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--times", type=int, default=10, help="how many copies of the PKU test to time")
    options = parser.parse_args()
    backends = [b for b in options.backend if b == "numpy" or torch_installed()]
    with open(PKU / "pku_test.utf8", encoding="utf-8-sig") as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    chars = sum(len("".join(line.split())) for line in lines)
    print(f"model: {options.model}, --standard {options.standard}, {options.threads} threads")
    print(
        "| backend | P | R | F1 | OOV recall | load s | chars/s (PKU test ×N) | one line: wall s | RSS MiB "
        "| PKU test ×N: wall s | RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        repeated = Path(tmp) / "pku_test_x.txt"
        with open(repeated, "wb") as out:
            for _ in range(options.times):
                with open(PKU / "pku_test.utf8", "rb") as part:
                    shutil.copyfileobj(part, out)
        for backend in backends:
            start = time.perf_counter()
            model = load_segmenter(options.model, backend, options.threads)
            load_seconds = time.perf_counter() - start
            texts = lines * options.times
            _, best = best_of(3, lambda m, t: list(segment_texts(m, t, standard=options.standard)), model, texts)
            common = ["--model", options.model, "--standard", options.standard, "--backend", backend]
            common += ["--threads", str(options.threads)]
            one_line = short_line_run(["segment", *common], tmp)
            whole = measure([*command(), "segment", str(repeated), *common])
            pred = f"{tmp}/pred.txt"
            subprocess.run([*command(), "segment", str(PKU / "pku_test.utf8"), *common, "-o", pred], check=True)
            score = score_pku(pred)
            print(
                f"| {backend} | {score['precision']:.4f} | {score['recall']:.4f} | {score['f1']:.4f} "
                f"| {score['oov_recall']:.4f} | {load_seconds:.2f} | {chars * options.times / best:,.0f} "
                f"| {one_line.seconds:.2f} | {one_line.peak_mb:.0f} | {whole.seconds:.2f} | {whole.peak_mb:.0f} |"
            )


if __name__ == "__main__":
    main()
