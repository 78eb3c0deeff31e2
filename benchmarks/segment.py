"""Quality and speed of the shipped segmentation model on the SIGHAN-2005 PKU test set.

    python benchmarks/segment.py [--model DIR] [--standard NAME]

Prints P/R/F1 and OOV recall (scored by `nlptk evaluate segment` with the PKU training word
list), the model load time, characters per second of segmentation after loading (in process,
best of 3), and the end-to-end wall time of the `nlptk segment` command.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from corpus import DATA
from measure import measure, nlptk, score_pku

from nlptk.cpu import cpu_threads
from nlptk.seq2seq.model_dir import shipped_model_path
from nlptk.tagging.segmenter import load_segmenter, segment_texts

PKU = DATA / "cws" / "pku"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(shipped_model_path("seg")))
    parser.add_argument("--standard", default="pku", help="the segmentation standard to time and score")
    options = parser.parse_args()
    cpu_threads()
    with open(PKU / "pku_test.utf8", encoding="utf-8-sig") as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    chars = sum(len("".join(line.split())) for line in lines)

    start = time.perf_counter()
    model = load_segmenter(options.model)
    load_seconds = time.perf_counter() - start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        list(segment_texts(model, lines, standard=options.standard))
        runs.append(time.perf_counter() - start)
    best = min(runs)

    with tempfile.TemporaryDirectory() as tmp:
        pred = f"{tmp}/pred.txt"
        args = ["segment", str(PKU / "pku_test.utf8"), "--model", options.model, "--standard", options.standard]
        run = measure(nlptk(*args, "-o", pred))
        score = score_pku(pred)
    print(f"model: {options.model} (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print("| P | R | F1 | OOV rate | OOV recall | IV recall |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {score['precision']:.4f} | {score['recall']:.4f} | {score['f1']:.4f} | {score['oov_rate']:.4f} "
        f"| {score['oov_recall']:.4f} | {score['iv_recall']:.4f} |"
    )
    print()
    print("| model load s | segment s (best of 3) | chars/s | `nlptk segment` wall s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {load_seconds:.2f} | {best:.3f} | {chars / best:,.0f} | {run.seconds:.2f} | {run.peak_mb:.0f} |")


if __name__ == "__main__":
    main()
