"""Couplet models on couplet/test.txt: BLEU-4, constraint rates, examples and speed.

    python benchmarks/couplet.py --model nlptk/data/couplet --model /tmp/cp_ref [--threads 2]

For each model and decoder: corpus character BLEU-4 (repeated first lines have every listed
second line as a reference) and the constraint rates. For the first model: load time, the time
to answer one couplet after load (each of the first 100 test lines alone, the median of three
timings per line), and batched throughput (all 848 test first lines in one call).
"""

from __future__ import annotations

import argparse
import statistics
import time

from corpus import DATA
from measure import best_of

EXAMPLES = ["晚风摇树树还挺", "今天天气不错", "鱼跃此时海", "只有香如故", "科学空间"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", action="append", required=True, help="model directory (repeatable)")
    parser.add_argument("--decoders", default="greedy,beam-5", help="comma-separated decoders")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: every CPU)")
    options = parser.parse_args()

    import torch

    from nlptk.cpu import cpu_threads
    from nlptk.decode import Decoding
    from nlptk.seq2seq.couplet.data import read_pairs
    from nlptk.seq2seq.couplet.evaluation import evaluate_couplets
    from nlptk.seq2seq.couplet.generate import answer_lines
    from nlptk.seq2seq.couplet.model import CoupletModel

    cpu_threads(options.threads)
    pairs = read_pairs(DATA / "couplet" / "test.txt")
    print(f"threads {torch.get_num_threads()}, {len(pairs)} test pairs")
    print("| model | design | decoder | BLEU-4 | same length | punctuation | same-position repeats | mirrored |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for path in options.model:
        model = CoupletModel.load(path)
        for name in options.decoders.split(","):
            s = evaluate_couplets(model, pairs, Decoding.parse(name)).scores
            print(
                f"| {path} | {model.config.design} | {name} | {s.bleu4:.4f} | {s.same_length:.2%} | "
                f"{s.punctuation_in_place:.2%} | {s.same_position_repeats} | {s.mirrored:.2%} |"
            )
        decoding = Decoding.parse(options.decoders.split(",")[-1])
        answers = answer_lines(model, EXAMPLES + [first for first, _ in pairs[:40:8]], decoding, n=3)
        for answer in answers:
            print(f"  {answer.first} → {' / '.join(answer.candidates)}")

    path = options.model[0]
    model, load = best_of(3, CoupletModel.load, path)
    decoding = Decoding.parse("beam-5")
    firsts = [first for first, _ in pairs]
    answer_lines(model, firsts[:5], decoding)  # warm-up
    singles = []  # per line: the median of three timings, so that one hiccup does not make a line slow
    for first in firsts[:100]:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            answer_lines(model, [first], decoding)
            times.append(time.perf_counter() - start)
        singles.append(statistics.median(times))
    batched = []
    for _ in range(3):  # the first call also prepares the kernels for each batch shape
        start = time.perf_counter()
        answer_lines(model, firsts, decoding)
        batched.append(time.perf_counter() - start)
    print(f"\n{path}, beam-5: load {load:.3f} s (best of 3)")
    median, worst = statistics.median(singles) * 1000, max(singles) * 1000
    longest = max(len(first) for first in firsts[:100])
    print(f"one couplet after load: median {median:.1f} ms, slowest line {worst:.1f} ms (longest has {longest} chars)")
    rates = ", ".join(f"{len(firsts) / seconds:.0f}" for seconds in batched)
    print(f"batched: all {len(firsts)} test lines in one call, three calls: {rates} couplets/s")


if __name__ == "__main__":
    main()
