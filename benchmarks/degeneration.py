"""The consistency experiment on PTB: perplexity of each model and r_L of every decoder.

    python benchmarks/degeneration.py --softmax SOFTMAX_MODEL --st ST_MODEL [-L 1500]

Prefixes: the first 10 tokens of every lm/ptb/ptb.valid.txt sentence longer than that. The
softmax model gets the whole decoder table; the self-terminating model greedy and beam (and,
with --st-all, the samplers too). Prints a markdown table with seconds per decoder.
"""

from __future__ import annotations

import argparse
import json
import subprocess

from corpus import DATA
from measure import nlptk

from nlptk.seq2seq.lm.degeneration import DECODERS as ALL

VALID = str(DATA / "lm" / "ptb" / "ptb.valid.txt")


def perplexity(model: str) -> float:
    out = subprocess.run(nlptk("lm", "eval", VALID, "--model", model), capture_output=True, text=True, check=True)
    return float(dict(line.split("\t") for line in out.stdout.splitlines())["perplexity"])


def table(model: str, decoders: str, max_len: int) -> list[list[str]]:
    command = nlptk("lm", "degeneration", VALID, "--model", model, "--decoders", decoders, "-L", str(max_len), "-q")
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in out.stdout.splitlines()[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--softmax", required=True, help="model with the softmax head")
    parser.add_argument("--st", required=True, help="model with the self-terminating head")
    parser.add_argument("-L", "--max-len", type=int, default=1500)
    parser.add_argument("--st-all", action="store_true", help="every decoder for the ST model too")
    options = parser.parse_args()
    models = {"softmax": options.softmax, "st": options.st}
    for name, path in models.items():
        with open(f"{path}/config.json", encoding="utf-8") as handle:
            config = json.load(handle)
        head = f"self-terminating head, ε={config['epsilon']}" if config["head"] == "st" else "softmax head"
        epochs = config["training"]["epochs_run"]
        print(
            f"{name}: {config['cell']} {config['layers']}x{config['hidden']}, {head}, "
            f"valid perplexity {perplexity(path):.2f}, trained {config['training']['minutes']} min ({epochs} epochs)"
        )
    print(f"\n| model | decoder | prefixes | r_L (L={options.max_len}) | mean length of ended | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for name, path in models.items():
        decoders = ALL if name == "softmax" or options.st_all else "greedy,beam-2,beam-4"
        for decoder, prefixes, _, ratio, length, seconds in table(path, decoders, options.max_len):
            print(f"| {name} | {decoder} | {prefixes} | {float(ratio):.2%} | {length} | {seconds} |", flush=True)


if __name__ == "__main__":
    main()
