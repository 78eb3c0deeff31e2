"""The shipped models' outputs on the sets we keep them stable on, to compare before and after a change.

    python benchmarks/outputs.py /tmp/before      # on the old code
    python benchmarks/outputs.py /tmp/after       # on the new code
    diff -r /tmp/before /tmp/after                # nothing: the same outputs

Writes the `nlptk segment` output of the PKU test, the couplet answers (beam-5 and greedy) to
the 230 distinct first lines of couplet/test.txt, and the titles (beam-3) of the 2,169
articles of title/valid.jsonl, and prints a SHA-256 of each.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
from pathlib import Path

from corpus import DATA
from measure import nlptk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", help="where to write the outputs (created)")
    folder = Path(parser.parse_args().folder)
    folder.mkdir(parents=True, exist_ok=True)
    firsts = folder / "couplet_first.txt"
    lines = [line.split("\t")[0].replace(" ", "") for line in (DATA / "couplet" / "test.txt").read_text().splitlines()]
    firsts.write_text("".join(f"{line}\n" for line in dict.fromkeys(lines)), encoding="utf-8")
    runs = {
        "seg_pku.txt": ["segment", str(DATA / "cws" / "pku" / "pku_test.utf8")],
        "couplet_beam5.tsv": ["couplet", "answer", "-f", str(firsts), "--threads", "2"],
        "couplet_greedy.tsv": ["couplet", "answer", "-f", str(firsts), "--decoder", "greedy", "--threads", "2"],
        "title_beam3.tsv": ["title", "generate", "--field", "content", str(DATA / "title" / "valid.jsonl"), "-q"],
    }
    for name, args in runs.items():
        subprocess.run(nlptk(*args, "-o", str(folder / name)), check=True)
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main()
