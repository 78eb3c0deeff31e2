"""Build the benchmark corpora from ../shared/data (cached under benchmarks/.cache/).

- ``news100``: title/train.jsonl content + cws/pd1998 with spaces removed + raw/novels (~100 MB).
- ``protocol``: the raw text of the segmentation protocol: title content + pd1998 raw + pku_test.utf8.
- ``title``: title/train.jsonl content; ``reviews``: the review column of raw/reviews/*.csv.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "benchmarks" / ".cache"


def need_data() -> None:
    if not DATA.is_dir():
        sys.exit(f"benchmark data not found at {DATA}; see ../shared/data/README.md")


def _title_content() -> list[str]:
    with open(DATA / "title" / "train.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["content"] for line in handle if line.strip()]


def _pd1998_raw() -> list[str]:
    lines = []
    for fold in sorted((DATA / "cws" / "pd1998").glob("fold*.txt")):
        with open(fold, encoding="utf-8-sig") as handle:
            lines.extend("".join(line.split()) for line in handle)
    return lines


def _novels() -> list[str]:
    lines = []
    for novel in sorted((DATA / "raw" / "novels").glob("*.txt")):
        with open(novel, encoding="utf-8-sig", errors="replace") as handle:
            lines.extend(line.rstrip("\n") for line in handle)
    return lines


def _reviews() -> list[str]:
    import csv

    lines = []
    for table in sorted((DATA / "raw" / "reviews").glob("*.csv")):
        with open(table, encoding="utf-8-sig", newline="") as handle:
            lines.extend(" ".join(row["review"].split()) for row in csv.DictReader(handle) if row.get("review"))
    return lines


def _pku_test_raw() -> list[str]:
    with open(DATA / "cws" / "pku" / "pku_test.utf8", encoding="utf-8-sig") as handle:
        return [line.rstrip("\r\n") for line in handle]


def _pku_sample() -> list[str]:
    with open(DATA / "cws" / "pku" / "pku_training_random10pct.utf8", encoding="utf-8-sig") as handle:
        return [line.rstrip("\r\n") for line in handle]


def build(name: str) -> Path:
    """The path of corpus ``name``, building it on first use."""
    need_data()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.txt"
    if path.exists():
        return path
    if name == "news100":
        lines = _title_content() + _pd1998_raw() + _novels()
    elif name == "protocol":
        lines = _title_content() + _pd1998_raw() + _pku_test_raw()
    elif name == "title":
        lines = _title_content()
    elif name == "reviews":
        lines = _reviews()
    elif name == "pku_dev":  # the dev set of the segmentation recipes: the PKU training sample's last 500 lines
        lines = _pku_sample()[-500:]
    else:
        raise SystemExit(f"unknown corpus {name}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


if __name__ == "__main__":
    for corpus in sys.argv[1:] or ["news100", "protocol", "title"]:
        built = build(corpus)
        print(f"{built}\t{built.stat().st_size / 1e6:.1f} MB")
