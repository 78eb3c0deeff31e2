"""Title models on title/valid.jsonl (and CSL abstracts): ROUGE against the lead baseline,
termination, repeated 3-grams, and speed.

    python benchmarks/title.py --model nlptk/data/title --model /tmp/title_noprior [--threads 2]

Each model: character ROUGE-1/2/L F1 with beam 3 on valid.jsonl and csl_dev.tsv, the share of
titles that terminate (a title still going at character 63 is ended there: the last column
counts them) and that repeat a character 3-gram; the lead-30 baseline on both. The
first model: load time and titles/s with beam 3, batched, on the first 500 valid articles.
"""

from __future__ import annotations

import argparse
import time

from corpus import DATA
from measure import best_of


def row(name: str, s: dict, at_limit: str = "–") -> str:
    terminated = f"{s['terminated']:.2%}" if "terminated" in s else "–"
    return (
        f"| {name} | {s['rouge-1']:.4f} | {s['rouge-2']:.4f} | {s['rouge-l']:.4f} | {s['mean_length']:.1f} | "
        f"{s['repeated_3gram']:.2%} | {terminated} | {at_limit} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", action="append", required=True, help="model directory (repeatable)")
    parser.add_argument("--decoder", default="beam-3")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: every CPU)")
    parser.add_argument("--limit", type=int, default=0, help="score at most this many articles per set")
    options = parser.parse_args()

    import torch

    from nlptk.cpu import cpu_threads
    from nlptk.decode import Decoding
    from nlptk.seq2seq.title.data import read_examples
    from nlptk.seq2seq.title.evaluation import lead_baseline, score_titles
    from nlptk.seq2seq.title.generate import generate_titles, title_text
    from nlptk.seq2seq.title.model import TitleModel

    cpu_threads(options.threads)
    decoding = Decoding.parse(options.decoder, max_len=64)
    sets = {
        name: read_examples(str(DATA / "title" / name))[: options.limit or None]
        for name in ("valid.jsonl", "csl_dev.tsv")
    }
    print(f"threads {torch.get_num_threads()}, decoder {decoding.name}")
    for set_name, stories in sets.items():
        print(f"\n{set_name}: {len(stories)} stories")
        print(
            "| system | ROUGE-1 | ROUGE-2 | ROUGE-L | mean length | repeated 3-gram | terminated | ended at the limit |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(row("lead-30", lead_baseline(stories)))
        for path in options.model:
            model = TitleModel.load(path)
            start = time.perf_counter()
            hypotheses = generate_titles(model, [s.text for s in stories], decoding)
            seconds = time.perf_counter() - start
            titles = [title_text(model, h) for h in hypotheses]
            scores = score_titles(stories, titles, [h.terminated for h in hypotheses])
            prior = "copy prior" if model.config.copy_prior else "no copy prior"
            at_limit = sum(len(h.tokens) == decoding.max_len - 1 for h in hypotheses)
            name = f"{path} ({model.config.encoder} encoder, {prior}; {len(stories) / seconds:.1f} titles/s)"
            print(row(name, scores, str(at_limit)))
            for story, title in list(zip(stories, titles, strict=True))[:3]:
                print(f"  gold: {story.title}\n  ours: {title}")

    path = options.model[0]
    model, load = best_of(3, TitleModel.load, path)
    articles = [s.text for s in sets["valid.jsonl"][:500]]
    start = time.perf_counter()
    generate_titles(model, articles, decoding)
    seconds = time.perf_counter() - start
    print(
        f"\n{path}: load {load:.3f} s (best of 3); {len(articles)} titles in {seconds:.1f} s = "
        f"{len(articles) / seconds:.1f} titles/s ({decoding.name}, batched)"
    )


if __name__ == "__main__":
    main()
