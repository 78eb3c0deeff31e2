"""Unsupervised segmentation protocol: raw text -> `nlptk newwords` lexicon -> `nlptk segment` -> score.

    python benchmarks/protocol.py

Raw text only: title/train.jsonl content + cws/pd1998 with spaces removed + pku_test.utf8.
The top 50,000 words of `nlptk newwords` (one-character pieces included, as in the
reference; `--units words`, as a segmenter's lexicon should be, and the default with
compounds for comparison) become the lexicon; `nlptk segment --lexicon` cuts pku_test.utf8 and
`nlptk evaluate segment` scores it against the gold with the PKU training word list.
Rows for jieba's dictionary are given for scale.
"""

from __future__ import annotations

import tempfile

from corpus import DATA, build
from measure import measure, nlptk, score_pku

PKU = DATA / "cws" / "pku"


def score(lexicon: str, tmp: str) -> dict:
    pred = f"{tmp}/pred.txt"
    run = measure(nlptk("segment", "--lexicon", lexicon, str(PKU / "pku_test.utf8"), "-o", pred))
    if run.returncode:
        raise SystemExit("segment failed")
    return score_pku(pred)


def main() -> None:
    corpus = build("protocol")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in (
            ("newwords top 50k, --units words (default otherwise)", ["--units", "words"]),
            ("newwords top 50k (default)", []),
            ("newwords top 50k, --keep-fragments", ["--keep-fragments"]),
        ):
            lexicon = f"{tmp}/lexicon.tsv"
            run = measure(
                nlptk("newwords", str(corpus), "--quiet", "--min-len", "1", "--top", "50000", "-o", lexicon, *extra)
            )
            if run.returncode:
                raise SystemExit("newwords failed")
            rows.append((label, score(lexicon, tmp), run.seconds))
        rows.append(("jieba's dictionary (for scale)", score("jieba", tmp), None))
    print("| lexicon | P | R | F1 | OOV recall | IV recall | newwords s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, s, seconds in rows:
        took = f"{seconds:.1f}" if seconds else ""
        print(
            f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['oov_recall']:.3f} "
            f"| {s['iv_recall']:.3f} | {took} |"
        )


if __name__ == "__main__":
    main()
