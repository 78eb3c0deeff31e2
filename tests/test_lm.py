"""Word-level language models: incremental decoding state, files, training, and the lm commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from nlptk.decode import Decoding, decode  # noqa: E402
from nlptk.errors import NlptkError  # noqa: E402
from nlptk.seq2seq.lm.config import LMConfig, LMTrainOptions  # noqa: E402
from nlptk.seq2seq.lm.degeneration import degeneration_table, prefixes  # noqa: E402
from nlptk.seq2seq.lm.model import LanguageModel  # noqa: E402
from nlptk.seq2seq.lm.train import evaluate_perplexity, train_language_model  # noqa: E402
from nlptk.seq2seq.training import kept_metrics  # noqa: E402
from nlptk.seq2seq.vocab import EOS_ID, Vocabulary  # noqa: E402

CORPUS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat saw a dog",
    "the dog saw the cat on the mat",
    "a dog sat on a log",
] * 8


def nlptk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlptk", *args], input=stdin, capture_output=True, text=True)


def tiny_model(cell: str = "lstm", head: str = "softmax", seed: int = 0) -> LanguageModel:
    torch.manual_seed(seed)
    vocab = Vocabulary.build(s.split() for s in CORPUS)
    return LanguageModel(LMConfig(vocab.words, cell=cell, hidden=16, dropout=0.0, head=head, epsilon=0.05)).eval()


def test_vocabulary_reserves_eos_and_unk() -> None:
    vocab = Vocabulary.build([["b", "a", "b"], ["c"]], min_count=1)
    assert vocab.words == ["<eos>", "<unk>", "b", "a", "c"]
    assert vocab.encode(["a", "zzz"]) == [3, 1]
    assert vocab.decode([2, 4]) == ["b", "c"]


@pytest.mark.parametrize(("cell", "head"), [("lstm", "softmax"), ("rnn", "st")])
def test_prime_and_step_equal_reading_the_whole_sentence(cell: str, head: str) -> None:
    model = tiny_model(cell, head)
    sentence = model.vocab.encode(["the", "dog", "saw", "the", "cat"])
    whole, _ = model(torch.tensor([[EOS_ID, *sentence]]))
    state, last = model.prime([sentence[:3], sentence[:1]])  # two contexts of different lengths
    assert last.tolist() == [sentence[2], sentence[0]]
    step_log_probs, state = model.step(state, last)
    assert torch.allclose(step_log_probs[0], whole[0, 3], atol=1e-5)
    assert torch.allclose(step_log_probs[1], whole[0, 1], atol=1e-5)
    rows = model.select(state, torch.tensor([0]))
    next_log_probs, _ = model.step(rows, torch.tensor([sentence[3]]))
    assert torch.allclose(next_log_probs[0], whole[0, 4], atol=1e-5)


def test_self_terminating_model_ends_every_continuation() -> None:
    model = tiny_model(head="st")  # untrained, ε = 0.05: p(eos) ≥ 0.5 from step 13 on
    contexts = [model.vocab.encode(["the", "cat"])] * 4
    state, last = model.prime(contexts)
    for name in ("greedy", "beam-2", "topk-2", "nucleus-0.2"):
        found = decode(model, model.select(state, torch.arange(4)), last, Decoding.parse(name, max_len=200), EOS_ID)
        assert all(h.terminated for h in found), name


def test_save_and_load_give_the_same_model(tmp_path: Path) -> None:
    model = tiny_model(head="st")
    model.save(tmp_path / "lm")
    loaded = LanguageModel.load(tmp_path / "lm")
    batch = torch.tensor([[EOS_ID, 3, 4, 5]])
    assert torch.equal(model(batch)[0], loaded(batch)[0])
    assert loaded.head.proj.weight is loaded.embedding.weight  # still tied
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "bad" / "weights.pt").write_bytes(b"junk")
    with pytest.raises(NlptkError, match="cannot load language model"):
        LanguageModel.load(tmp_path / "bad")


def test_training_learns_the_corpus_and_is_deterministic() -> None:
    sentences = [s.split() for s in CORPUS]
    config = LMConfig(hidden=32, dropout=0.0)
    options = LMTrainOptions(epochs=15, patience=15, lr=0.01, batch_size=8)
    first = train_language_model(config, sentences, sentences, options, log=lambda _: None)
    second = train_language_model(config, sentences, sentences, options, log=lambda _: None)
    ids = [first.vocab.encode(s) for s in sentences]
    ppl = evaluate_perplexity(first, ids)
    assert ppl < 3.0  # uniform over the 11 words + <eos> would be 12
    assert ppl == pytest.approx(evaluate_perplexity(second, ids))
    assert kept_metrics(first.config.training)["perplexity"] == pytest.approx(ppl, rel=1e-3)


def test_degeneration_table_counts_unfinished_continuations() -> None:
    model = tiny_model()
    contexts = prefixes([model.vocab.encode(s.split()) for s in CORPUS[:5]], context=3)
    assert contexts and all(len(c) == 3 for c in contexts)
    rows = degeneration_table(model, contexts, ["greedy", "consistent-topk-2"], max_len=30)
    assert [r.decoder for r in rows] == ["greedy", "consistent-topk-2"]
    for row in rows:
        assert row.prefixes == len(contexts)
        assert row.ratio == pytest.approx(row.non_terminated / row.prefixes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("lm")
    data = root / "train.txt"
    data.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    args = ["--hidden", "16", "--epochs", "3", "--dropout", "0", "--head", "st", "--epsilon", "0.01", "--quiet"]
    result = nlptk("lm", "train", str(data), "--dev", str(data), "-o", str(root / "model"), *args)
    assert result.returncode == 0, result.stderr
    return root / "model", data


def test_lm_commands_end_to_end(trained: tuple[Path, Path]) -> None:
    model, data = trained
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert config["head"] == "st" and kept_metrics(config["training"])["perplexity"] > 1
    result = nlptk("lm", "eval", str(data), "--model", str(model))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"sentences\t{len(CORPUS)}"
    result = nlptk("lm", "sample", "--model", str(model), "--decoder", "beam-2", "--format", "jsonl", stdin="the cat\n")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["context"] == "the cat" and record["terminated"] is True
    result = nlptk("lm", "degeneration", str(data), "--model", str(model), "--context", "3", "--decoders", "greedy")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split("\t")[:4] == ["decoder", "prefixes", "non_terminated", "r_L"]
    assert row.split("\t")[0] == "greedy"


def test_lm_commands_reject_bad_input(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model, data = trained
    result = nlptk("lm", "sample", "--model", str(model), "--decoder", "beam-0", stdin="the\n")
    assert result.returncode == 2 and "--decoder beam-0: beam width must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr
    result = nlptk("lm", "sample", "--model", str(model), stdin="")
    assert result.returncode != 0 and "input is empty" in result.stderr and "Traceback" not in result.stderr
    result = nlptk("lm", "eval", str(data), "--model", str(tmp_path))
    assert result.returncode != 0 and "not a language model" in result.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    result = nlptk("lm", "train", str(empty), "--dev", str(data), "-o", str(tmp_path / "m"), "--quiet")
    assert result.returncode != 0 and "empty" in result.stderr and not (tmp_path / "m").exists()
    result = nlptk("lm", "degeneration", str(data), "--model", str(model), "--context", "50")
    assert result.returncode != 0 and "longer than --context" in result.stderr
