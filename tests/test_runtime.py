"""The numpy tagger: the same answers as the torch tagger from the same model directory, the
backend choice, and the commands on an installation without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, FILE_DAMAGES, REPO, damaged_copy, invoke, needs_data, one_line_error, out, usage_error

from nlptk.errors import NlptkError, OptionError
from nlptk.seq2seq.model_dir import shipped_model_path
from nlptk.tagging import backend
from nlptk.tagging.runtime import NumpyTagger

SAMPLE = (REPO / "corpora" / "sample.txt").read_text(encoding="utf-8")
LINES = [line.strip() for line in SAMPLE.splitlines() if line.strip()][:200]


def run_without_torch(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    """``nlptk ARGS`` in a Python where importing torch fails, as on ``pip install nlptk`` without extras."""
    code = (
        "import runpy, sys; sys.modules['torch'] = None; "
        f"sys.argv = ['nlptk', *{[str(a) for a in args]!r}]; runpy.run_module('nlptk', run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin.encode("utf-8"), capture_output=True, timeout=120, check=False
    )


def float32_torch_tagger(path: Path | None = None):
    """The torch tagger with its convolutions in float32 (not the bfloat16 of CPUs with bf16 units)."""
    from nlptk.tagging.model import Tagger

    return Tagger.load(path, bf16=False)


def test_segment_and_tag_run_without_torch(tmp_path: Path) -> None:
    text = "今天天气不错\n北京大学的学生在公园散步\niPhone15 发布了\n"
    segmented = out(run_without_torch("segment", stdin=text))
    assert segmented == out(invoke("segment", "--backend", "numpy", stdin=text.encode("utf-8")))
    assert segmented.splitlines()[0] == "今天 天气 不错"
    assert out(run_without_torch("tag", "predict", stdin=text)) == segmented
    gold = tmp_path / "gold.txt"
    gold.write_text(segmented, encoding="utf-8")
    scores = json.loads(out(run_without_torch("tag", "eval", gold, "--format", "json")))
    assert scores["f1"] == 1.0


def test_the_torch_backend_without_torch_is_a_one_line_error() -> None:
    one_line_error(run_without_torch("segment", "--backend", "torch", stdin="今天\n"), "needs torch", "--backend numpy")


def test_a_bad_backend_is_a_usage_error() -> None:
    usage_error(invoke("segment", "--backend", "jax", stdin=b"x\n"), "--backend", "jax")


def test_auto_runs_torch_only_on_large_inputs_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend, "torch_installed", lambda: True)
    assert backend.choose_backend("auto", None) == "numpy"  # standard input: size unknown
    assert backend.choose_backend("auto", backend.TORCH_FROM_BYTES - 1) == "numpy"
    assert backend.choose_backend("auto", backend.TORCH_FROM_BYTES) == "torch"
    assert backend.choose_backend("numpy", 1 << 40) == "numpy"
    monkeypatch.setattr(backend, "torch_installed", lambda: False)
    assert backend.choose_backend("auto", 1 << 40) == "numpy"
    with pytest.raises(NlptkError, match="needs torch"):
        backend.choose_backend("torch")
    with pytest.raises(OptionError, match="backend"):
        backend.choose_backend("gpu")


def test_the_shipped_model_segments_alike_on_both_backends() -> None:
    pytest.importorskip("torch", reason="compares with the torch backend")
    from nlptk.tagging.segmenter import segment_texts

    numpy_model, torch_model = NumpyTagger.load(), float32_torch_tagger()
    batch = numpy_model.featurizer.encode(LINES[:50])
    difference = np.abs(numpy_model.emissions(batch) - torch_model.emissions(batch))[batch.mask]
    assert difference.max() < 1e-4
    assert list(segment_texts(numpy_model, LINES)) == list(segment_texts(torch_model, LINES))


@needs_data
def test_the_shipped_model_segments_the_pku_test_alike_on_both_backends() -> None:
    pytest.importorskip("torch", reason="compares with the torch backend")
    from nlptk.tagging.segmenter import segment_texts

    path = DATA / "cws" / "pku" / "pku_test.utf8"
    lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()][:600]
    numpy_model, torch_model = NumpyTagger.load(), float32_torch_tagger()
    assert list(segment_texts(numpy_model, lines)) == list(segment_texts(torch_model, lines))


WORDS = ["北京", "北京大学", "学生", "公园", "张三"]
SHAPES = {
    "convolutions": {},
    "two standards": {"standards": ["coarse", "fine"], "standard_dim": 4},
    "BiLSTM": {"lstm_dim": 6},
    "dictionary flags": {"dictionary": "WORDS", "dictionary_tags": ["nr"]},
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_every_part_of_the_network_matches_torch(shape: dict, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="compares with the torch backend")
    from nlptk.tagging.config import TaggerShape, TrainOptions
    from nlptk.tagging.data import Example
    from nlptk.tagging.schemes import word_tags
    from nlptk.tagging.train import _new_model

    if shape.get("dictionary") == "WORDS":
        words = tmp_path / "words.txt"
        words.write_text("北京 5 ns\n北京大学 3 nt\n张三 2 nr\n学生 9 n\n", encoding="utf-8")
        shape = {**shape, "dictionary": str(words)}
    sentences = ["我们 在 北京大学 学习", "张三 的 学生 在 公园 散步", "北京 的 公园"]
    examples = [Example("".join(s.split()), tuple(word_tags(len(w) for w in s.split()))) for s in sentences]
    options = TrainOptions(min_char_count=1, min_bigram_count=1)
    tiny = TaggerShape(dim=8, char_dim=6, bigram_dim=4, dilations=[1, 2], **shape)
    model = _new_model("seg", examples, tiny, options, print)
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_()  # every weight matters, the CRF's transitions included
    model.save(tmp_path / "m")
    numpy_model, torch_model = NumpyTagger.load(tmp_path / "m"), float32_torch_tagger(tmp_path / "m")
    texts = ["北京大学的学生", "张三在公园散步了很久", "我", "今天北京的天气不错"]
    standards = range(len(shape.get("standards", [])) or 1)
    for standard in standards:
        batch = numpy_model.featurizer.encode(texts, standards=standard)
        expected = torch_model.emissions(batch)
        np.testing.assert_allclose(numpy_model.emissions(batch)[batch.mask], expected[batch.mask], atol=1e-4)
        assert numpy_model.predict(texts, standard=standard) == torch_model.predict(texts, standard=standard)


@pytest.mark.parametrize("damage", FILE_DAMAGES.values(), ids=FILE_DAMAGES.keys())
def test_a_damaged_model_is_one_error_on_numpy(damage, tmp_path: Path) -> None:
    model = damaged_copy(shipped_model_path("seg"), tmp_path, damage)
    with pytest.raises(NlptkError, match="model"):
        NumpyTagger.load(model)


def test_the_torch_backend_segments_from_the_command_line() -> None:
    pytest.importorskip("torch", reason="runs the torch backend")
    text = "今天天气不错\n北京大学的学生在公园散步\n"
    expected = "今天 天气 不错\n北京大学 的 学生 在 公园 散步\n"
    assert out(invoke("segment", "--backend", "torch", stdin=text.encode())) == expected
