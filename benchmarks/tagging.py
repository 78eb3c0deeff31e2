"""Scores of NER and POS taggers on the held-out test/dev data, and their training records.

    python benchmarks/tagging.py --ner NER_MODEL --pos POS_MODEL

NER: entity-level P/R/F1 on tagging/ner/msra_test.bio. POS: joint segmentation + UPOS on
tagging/pos/dev.conll (word F1 with tags, accuracy = share of gold words found with the right
boundaries and tag, and segmentation F1).
"""

from __future__ import annotations

import argparse
import json
import subprocess

from corpus import DATA
from measure import nlptk


def evaluate(model: str, data: str) -> dict:
    result = subprocess.run(
        nlptk("tag", "eval", data, "--model", model, "--format", "json"), capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def training(model: str) -> dict:
    with open(f"{model}/config.json", encoding="utf-8") as handle:
        return json.load(handle)["training"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ner", help="NER model directory")
    parser.add_argument("--pos", help="POS model directory")
    options = parser.parse_args()
    print("| task | data | P | R | F1 | other | training minutes |")
    print("|---|---|---:|---:|---:|---|---:|")
    if options.ner:
        s = evaluate(options.ner, str(DATA / "tagging" / "ner" / "msra_test.bio"))
        print(
            f"| NER (MSRA) | msra_test.bio | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | "
            f"| {training(options.ner)['minutes']} |"
        )
    if options.pos:
        s = evaluate(options.pos, str(DATA / "tagging" / "pos" / "dev.conll"))
        minutes = training(options.pos)["minutes"]
        print(
            f"| POS (UD Chinese, joint seg+UPOS) | dev.conll | {s['precision']:.4f} | {s['recall']:.4f} | "
            f"{s['f1']:.4f} | accuracy {s['accuracy']:.4f}, seg F1 {s['seg_f1']:.4f} | {minutes} |"
        )


if __name__ == "__main__":
    main()
