"""Cross-standard evidence: dev F1 of every standard's dev set segmented by every ``--standard``
the model knows, and PKU test F1 with ``--standard pku``.

    python benchmarks/standards.py --model DIR [--threads 2]

The diagonal is each standard's own score; a row shows what choosing another standard costs on
that data. Dev sets: the 500 held-out lines of the PKU training sample (see docs/segmentation.md)
and each corpus's dev split.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from dataclasses import replace

from corpus import DATA, build
from measure import nlptk, score_pku

from nlptk.cpu import cpu_threads
from nlptk.tagging.data import read_examples
from nlptk.tagging.evaluation import evaluate_tagger
from nlptk.tagging.segmenter import load_segmenter

CWS = DATA / "cws"
DEV = {
    "pku": None,  # the PKU training sample's last 500 lines
    "ctb": CWS / "other" / "ctb" / "dev.txt",
    "sxu": CWS / "other" / "sxu" / "dev.txt",
    "udc": CWS / "other" / "udc" / "dev.txt",
    "wtb": CWS / "other" / "wtb" / "dev.txt",
    "zx": CWS / "other" / "zx" / "dev.txt",
    "weibo": CWS / "weibo" / "nlpcc2016-wordseg-dev.dat",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=0)
    options = parser.parse_args()
    cpu_threads(options.threads)
    model = load_segmenter(options.model)
    standards = model.config.standards or ["pku"]
    data = [name for name in DEV if name in standards]
    print("| dev set \\\\ --standard | " + " | ".join(standards) + " |")
    print("|---|" + "---:|" * len(standards))
    for name in data:
        path = DEV[name] or build("pku_dev")
        examples = read_examples("seg", [str(path)])
        row = []
        for index, _ in enumerate(standards):
            scores = evaluate_tagger(model, [replace(e, standard=index) for e in examples])
            row.append(scores["f1"])
        own = standards.index(name)
        cells = [f"**{f:.4f}**" if i == own else f"{f:.4f}" for i, f in enumerate(row)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    with tempfile.TemporaryDirectory() as tmp:
        pred = f"{tmp}/pred.txt"
        args = ["segment", str(CWS / "pku" / "pku_test.utf8"), "--model", options.model, "--standard", "pku"]
        subprocess.run(nlptk(*args, "--threads", str(options.threads), "-o", pred), check=True)
        score = score_pku(pred)
    print(
        f"\nPKU test, --standard pku: P {score['precision']:.4f} R {score['recall']:.4f} F1 {score['f1']:.4f}"
        f" OOV recall {score['oov_recall']:.4f}"
    )


if __name__ == "__main__":
    main()
