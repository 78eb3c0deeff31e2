"""Do the numpy and torch backends segment alike? On the PKU test and every dev set, whole.

    python benchmarks/backends.py [--model DIR] [--threads 2]

For each set: its lines, how many lines the numpy backend segments differently from torch in
float32 and from torch as it runs by default (bfloat16 convolutions on CPUs with bf16 units),
and the F1 of each. A set is segmented by its own standard where the model knows it, else by
the model's default.
"""

from __future__ import annotations

import argparse

from corpus import build
from standards import CWS, DEV

from nlptk.cpu import bf16_is_fast, cpu_threads
from nlptk.evaluate import score_segmentation
from nlptk.seq2seq.model_dir import shipped_model_path
from nlptk.tagging.data import read_examples
from nlptk.tagging.model import Tagger
from nlptk.tagging.runtime import NumpyTagger
from nlptk.tagging.schemes import spans
from nlptk.tagging.segmenter import segment_texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(shipped_model_path("seg")))
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    cpu_threads(options.threads)
    numpy_model = NumpyTagger.load(options.model)
    numpy_model.threads = options.threads
    models = {"numpy": numpy_model, "torch float32": Tagger.load(options.model, bf16=False)}
    if bf16_is_fast():
        models["torch bfloat16"] = Tagger.load(options.model)
    known = numpy_model.config.standards or ["pku"]
    sets = {"pku test": (CWS / "pku" / "pku_test_gold.utf8", "pku")}
    sets.update({f"{name} dev": (path or build("pku_dev"), name) for name, path in DEV.items()})
    others = [name for name in models if name != "numpy"]
    print(f"model: {options.model}")
    print("| set | lines | " + " | ".join(f"lines unlike {name}" for name in others) + " | "
          + " | ".join(f"F1 {name}" for name in models) + " |")  # fmt: skip
    print("|---|---:|" + "---:|" * (len(others) + len(models)))
    for label, (path, standard) in sets.items():
        examples = read_examples("seg", [str(path)])
        texts = [e.text for e in examples]
        gold = [" ".join(e.text[s:t] for s, t, _ in spans(e.tags)) for e in examples]
        chosen = standard if standard in known else None
        output = {name: [" ".join(w) for w in segment_texts(m, texts, standard=chosen)] for name, m in models.items()}
        unlike = [sum(a != b for a, b in zip(output["numpy"], output[name], strict=True)) for name in others]
        f1 = [score_segmentation(gold, output[name]).f1 for name in models]
        print(f"| {label} | {len(texts)} | " + " | ".join(map(str, unlike)) + " | "
              + " | ".join(f"{f:.4f}" for f in f1) + " |")  # fmt: skip


if __name__ == "__main__":
    main()
