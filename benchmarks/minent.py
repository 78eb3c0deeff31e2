"""Minimum-entropy figures: lexicon L and speed, PKU F1 of the lexicons, templates, parse speed.

    python benchmarks/minent.py [--skip-pku]

1. `nlptk minent lexicon` on the title/train.jsonl content (79 MB) with the defaults (words) and
   with `--units compounds`, and on the ~100 MB news corpus for speed: seconds, peak memory,
   and the L lines it prints.
2. `nlptk minent entropy` of the title content: characters, the induced lexicons, jieba's.
3. The unsupervised segmentation protocol (see protocol.py) with the minent lexicons, the
   newwords lexicon and their combinations: P/R/F1 on pku_test.utf8.
4. `nlptk minent templates` on the review texts of raw/reviews/*.csv: seconds and the top 30.
5. `nlptk minent parse` with those templates: sentences per second.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import tempfile
import time
from pathlib import Path

from corpus import build
from measure import measure, nlptk
from protocol import score

from nlptk.text import sentences as text_sentences


def timed(args: list[str], stdout: str) -> tuple[float, str]:
    """Wall seconds and stderr of one run."""
    start = time.perf_counter()
    with open(stdout, "wb") as out:
        run = subprocess.run(args, stdout=out, stderr=subprocess.PIPE, text=True, check=True)
    return time.perf_counter() - start, run.stderr


def read_rows(path: str) -> list[list[str]]:
    """Tab-separated rows of a file."""
    return [line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines()]


def read_lexicon(path: str) -> dict[str, int]:
    words = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if parts:
                words[parts[0]] = int(float(parts[1])) if len(parts) > 1 else 1
    return words


def write_lexicon(words: dict[str, int], path: str) -> str:
    with open(path, "w", encoding="utf-8") as out:
        for word, count in sorted(words.items(), key=lambda item: -item[1]):
            out.write(f"{word} {count}\n")
    return path


COMPOUNDS = ["--units", "compounds"]
ROUND_ONE = [*COMPOUNDS, "--max-rounds", "1"]  # the first round of the compound settings (PMI ≥ 1, no length rule)


def lexicon_section(tmp: str) -> str:
    title = build("title")
    size = title.stat().st_size / 1e6
    runs = (("minent (defaults: words)", []), ("minent --units compounds", COMPOUNDS))
    lexicons = {}
    for label, extra in runs:
        lexicons[label] = f"{tmp}/title-{len(lexicons)}.txt"
        seconds, log = timed(nlptk("minent", "lexicon", str(title), *extra), lexicons[label])
        print(f"## nlptk {label} on {title.name} ({size:.0f} MB): {seconds:.1f} s\n")
        print("```\n" + log.strip() + "\n```\n")
    news = build("news100")
    for label, extra in runs:
        run = measure(nlptk("minent", "lexicon", str(news), "-q", "-o", f"{tmp}/news-minent.txt", *extra))
        size = news.stat().st_size / 1e6
        print(f"speed, {label}: {news.name} ({size:.0f} MB) in {run.seconds:.1f} s, peak {run.peak_mb:.0f} MiB\n")

    # What redundancy removal does to L, both lexicons of one round, L by segmenting the text with each.
    rounds_one = (
        ("round 1, every candidate kept (--keep-redundant)", ["--keep-redundant"]),
        ("round 1", []),
        ("round 1, the reference's removal rule (--min-saving 0 --penalty 1)", ["--min-saving", "0", "--penalty", "1"]),
    )
    for label, extra in rounds_one:
        label = f"{label} of --units compounds"
        lexicons[label] = f"{tmp}/title-{len(lexicons)}.txt"
        seconds, log = timed(nlptk("minent", "lexicon", str(title), *ROUND_ONE, *extra), lexicons[label])
        round_line = next(line for line in log.splitlines() if line.startswith("round 1"))
        print(f"{label}: {round_line}\n")
    lexicons["jieba's dictionary"] = "jieba"
    out = f"{tmp}/entropy.tsv"
    specs = [arg for path in lexicons.values() for arg in ("--lexicon", path)]
    seconds, _ = timed(nlptk("minent", "entropy", str(title), *specs), out)
    print(f"## nlptk minent entropy on {title.name}: L by segmenting the text with each lexicon ({seconds:.0f} s)\n")
    rows = read_rows(out)
    print("| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
    names = {path: label for label, path in lexicons.items()}
    for row in rows[1:]:
        row[0] = names.get(row[0], row[0])
        print("| " + " | ".join(row) + " |")
    print()
    return lexicons["minent (defaults: words)"]


def pku_section(tmp: str) -> None:
    corpus = str(build("protocol"))
    lexicons: dict[str, str] = {}
    words = "minent (defaults: words, i.e. --max-rounds 1 --min-pmi 2 --penalty 2)"
    round_one = "minent " + " ".join(ROUND_ONE)
    settings = {words: [], "minent --units compounds": COMPOUNDS, round_one: ROUND_ONE}
    for label, extra in settings.items():
        path = f"{tmp}/protocol-minent-{len(lexicons)}.txt"
        run = measure(nlptk("minent", "lexicon", corpus, "-q", "-o", path, *extra))
        if run.returncode:
            raise SystemExit("minent lexicon failed")
        lexicons[label] = path
    newwords = f"{tmp}/protocol-newwords.tsv"
    run = measure(nlptk("newwords", corpus, "--quiet", "--min-len", "1", "--top", "50000", "-o", newwords))
    if run.returncode:
        raise SystemExit("newwords failed")
    lexicons["newwords top 50k (protocol.py)"] = newwords
    found = read_lexicon(newwords)
    for label in (words, round_one):  # the combinations with newwords
        minent = read_lexicon(lexicons[label])
        union = dict(found) | minent  # minent's counts where both have a word
        lexicons[f"{label} ∪ newwords"] = write_lexicon(union, f"{tmp}/union-{len(lexicons)}.txt")
        both = {w: c for w, c in minent.items() if w in found or len(w) == 1}
        lexicons[f"{label} ∩ newwords (+ characters)"] = write_lexicon(both, f"{tmp}/both-{len(lexicons)}.txt")
    print("## Unsupervised segmentation of pku_test.utf8 (raw text of protocol.py)\n")
    print("| lexicon | words | P | R | F1 | OOV recall |\n|---|---:|---:|---:|---:|---:|")
    for label, path in lexicons.items():
        s = score(path, tmp)
        print(
            f"| {label} | {len(read_lexicon(path)):,} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
            f"| {s['oov_recall']:.3f} |"
        )
    print()


def templates_section(tmp: str) -> None:
    reviews = build("reviews")
    templates = f"{tmp}/templates.tsv"
    seconds, _ = timed(nlptk("minent", "templates", str(reviews), "-o", templates), templates)
    rows = read_rows(templates)
    print(
        f"## nlptk minent templates on {reviews.name} ({reviews.stat().st_size / 1e6:.1f} MB): {seconds:.1f} s, "
        f"{len(rows):,} templates\n"
    )
    print("top 30: " + ", ".join(f"`{t}` {c}" for t, c in rows[:30]) + "\n")
    with_two = [(t, c) for t, c in rows if t.count("X") >= 2 and t.strip("X").count("X") >= 1][:15]
    print("top 15 with a fixed word between two slots: " + ", ".join(f"`{t}` {c}" for t, c in with_two) + "\n")

    sentences = f"{tmp}/sentences.txt"
    with open(reviews, encoding="utf-8") as handle, open(sentences, "w", encoding="utf-8") as out:
        taken = itertools.islice((s for line in handle for s in text_sentences(line)), 10000)
        out.write("".join(s + "\n" for s in taken))
    count = len(read_rows(sentences))
    run = measure(nlptk("minent", "parse", "--templates", templates, sentences), f"{tmp}/parsed.txt")
    one = f"{tmp}/one.txt"
    Path(one).write_text("雪梨和苹果和香蕉的颜色是什么呢\n", encoding="utf-8")
    load = measure(nlptk("minent", "parse", "--templates", templates, one)).seconds
    print(
        f"## nlptk minent parse: the first {count:,} sentences of the reviews in {run.seconds:.1f} s; "
        f"{load:.1f} s of it start-up (jieba's dictionary, {len(rows):,} templates), so "
        f"{count / (run.seconds - load):,.0f} sentences/s after it\n"
    )
    print("examples:\n")
    for line in Path(f"{tmp}/parsed.txt").read_text(encoding="utf-8").splitlines()[:8]:
        print(f"    {line[:120]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-pku", action="store_true", help="leave out the segmentation protocol (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lexicon_section(tmp)
        if not args.skip_pku:
            pku_section(tmp)
        templates_section(tmp)


if __name__ == "__main__":
    main()
