"""Recall of `nlptk newwords` with its defaults on reference lists of salient terms.

    python benchmarks/recall.py                     # both lists
    python benchmarks/recall.py --output DIR        # keep the two outputs (news100.tsv, reviews.tsv) in DIR

The lists (benchmarks/judged/news100_recall.tsv, reviews_recall.tsv) were written before the
output was looked at, by someone who did not write the rules: terms absent from jieba's
dictionary with at least 30 occurrences (concepts, people, organisations, places, novel
characters, products). A term is found when it is a line of the output. The reviews run with
--min-count 8, as in the issue that set the bar.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from pathlib import Path

from corpus import build
from measure import measure, nlptk

JUDGED = Path(__file__).parent / "judged"
RUNS = {"news100": [], "reviews": ["--min-count", "8"]}


def recall(name: str, out_dir: str) -> None:
    output = f"{out_dir}/{name}.tsv"
    run = measure(nlptk("newwords", str(build(name)), "--quiet", *RUNS[name]), stdout=output)
    if run.returncode:
        raise SystemExit("newwords failed")
    with open(output, encoding="utf-8") as handle:
        found = {line.split("\t", 1)[0] for line in handle}
    with open(JUDGED / f"{name}_recall.tsv", encoding="utf-8") as handle:
        terms = [(row["term"], row["category"]) for row in csv.DictReader(handle, delimiter="\t")]
    hits = Counter(category for term, category in terms if term in found)
    totals = Counter(category for _, category in terms)
    missing = [term for term, _ in terms if term not in found]
    share = sum(hits.values()) / len(terms)
    by_category = ", ".join(f"{c} {hits[c]}/{n}" for c, n in sorted(totals.items()))
    print(f"{name}: {sum(hits.values())}/{len(terms)} found ({share:.0%}); {by_category}; {run.seconds:.1f} s")
    print(f"  missing: {' '.join(missing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", help="keep the newwords outputs in this directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in RUNS:
            recall(name, args.output or tmp)


if __name__ == "__main__":
    main()
