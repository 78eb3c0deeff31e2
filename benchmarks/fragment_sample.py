"""Draw the random sample of `nlptk newwords --exclude jieba` outputs that we judge by hand.

    python benchmarks/fragment_sample.py > benchmarks/judged/title_sample.tsv   # then label it
    python benchmarks/fragment_sample.py --corpus news100 > benchmarks/judged/news100_random200.tsv
    python benchmarks/fragment_sample.py --corpus news100 --first 100 --sort count \
        > benchmarks/judged/news100_top100.tsv
    python benchmarks/fragment_sample.py --corpus news100 --first 100 > benchmarks/judged/news100_top100_score.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 -n 100 > benchmarks/judged/reviews_random100.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 --first 100 --sort count \
        > benchmarks/judged/reviews_top100.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 --first 100 \
        > benchmarks/judged/reviews_top100_score.tsv
    python benchmarks/fragment_sample.py --corpus news100 --seed 6 > benchmarks/judged/news100_random200_v6.tsv
    python benchmarks/fragment_sample.py --corpus news100 --first 100 > benchmarks/judged/news100_top100_v6.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 -n 100 --seed 6 \
        > benchmarks/judged/reviews_random100_v6.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 --first 100 \
        > benchmarks/judged/reviews_top100_v6.tsv
    python benchmarks/fragment_sample.py --corpus news100 --seed 7 > benchmarks/judged/news100_random200_v7.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 -n 100 --seed 7 \
        > benchmarks/judged/reviews_random100_v7.tsv
    python benchmarks/fragment_sample.py --corpus news100 --seed 10 > benchmarks/judged/news100_random200_v10.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 -n 100 --seed 10 \
        > benchmarks/judged/reviews_random100_v10.tsv
    python benchmarks/fragment_sample.py --corpus news100 --seed 11 > benchmarks/judged/news100_random200_v11.tsv
    python benchmarks/fragment_sample.py --corpus reviews --min-count 8 -n 100 --seed 11 \
        > benchmarks/judged/reviews_random100_v11.tsv
    python benchmarks/fragment_sample.py --score benchmarks/judged/title_sample.tsv

The sample: ``-n`` words drawn with ``--seed`` from all `--exclude jieba` outputs on a corpus
of benchmarks/corpus.py (title/train.jsonl content by default), or its first ``--first`` lines
in the default order. Labels are given blind, by someone who did not write the rules.
Each judged line is `word<TAB>count<TAB>label` with label `word` (a word, name, term or
idiom), `phrase` (a complete multi-word unit) or `fragment` (incomplete, or cut across
word boundaries: 枝繁叶, 的田野, 走上了). The fragment rate is fragments / judged.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter

from corpus import build
from measure import nlptk


def draw(
    size: int, seed: int, corpus_name: str = "title", min_count: int = 0, first: int = 0, sort: str = "score"
) -> list[tuple[str, str]]:
    corpus = build(corpus_name)
    sort = sort if first else "count"  # random samples are drawn from the count order, whatever the default
    extra = ["--sort", sort, *(["--min-count", str(min_count)] if min_count else [])]
    result = subprocess.run(
        nlptk("newwords", str(corpus), "--quiet", "--exclude", "jieba", *extra),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split("\t")[:2] for line in result.stdout.splitlines()]
    print(f"{len(rows)} words not in jieba's dictionary", file=sys.stderr)
    if first:
        return [(w, c) for w, c in rows[:first]]
    return random.Random(seed).sample([(w, c) for w, c in rows], size)


def score(path: str) -> None:
    labels = Counter()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and fields[2]:
                labels[fields[2]] += 1
    judged = sum(labels.values())
    for label in ("word", "phrase", "fragment"):
        print(f"{label:<9} {labels[label]:4d}  {labels[label] / judged:6.1%}")
    print(f"judged    {judged:4d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", default="title", help="title, news100 or reviews (benchmarks/corpus.py)")
    parser.add_argument("--min-count", type=int, default=0, help="newwords --min-count (0: its default)")
    parser.add_argument("--first", type=int, default=0, help="the first N lines instead of a random sample")
    parser.add_argument("--sort", default="score", help="newwords --sort for --first: score (default) or count")
    parser.add_argument("--score", metavar="JUDGED_TSV", help="print the label shares of a judged sample")
    options = parser.parse_args()
    if options.score:
        score(options.score)
        return
    for word, count in draw(options.n, options.seed, options.corpus, options.min_count, options.first, options.sort):
        print(f"{word}\t{count}\t")


if __name__ == "__main__":
    main()
