"""The tagging commands end to end on tiny data: train, eval, predict, segment with a model and a user dictionary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

SEG_LINES = [
    "我们 在 北京大学 学习 人工智能",
    "北京大学 的 学生 喜欢 机器学习",
    "人工智能 改变 世界",
    "我们 喜欢 北京",
    "学生 在 公园 散步",
]
TINY = ["--dim", "32", "--char-dim", "16", "--bigram-dim", "8", "--dilations", "1,2", "--dropout", "0"]
TRAIN = ["--epochs", "60", "--patience", "60", "--lr", "0.01", "--batch-chars", "200", "--quiet", *TINY]


def nlptk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlptk", *args], input=stdin, capture_output=True, text=True)


@pytest.fixture(scope="module")
def seg_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seg")
    data = root / "train.txt"
    data.write_text("\n".join(SEG_LINES) + "\n", encoding="utf-8")
    result = nlptk("tag", "train", str(data), "--dev", str(data), "-o", str(root / "model"), *TRAIN)
    assert result.returncode == 0, result.stderr
    return root / "model"


def test_train_writes_config_with_scores(seg_model: Path) -> None:
    config = json.loads((seg_model / "config.json").read_text(encoding="utf-8"))
    assert config["task"] == "seg"
    assert config["tags"] == ["B", "M", "E", "S"]
    assert config["training"]["dev"]["f1"] == 1.0
    assert config["training"]["train_files"]


def test_training_continues_from_a_model(seg_model: Path, tmp_path: Path) -> None:
    data = tmp_path / "more.txt"
    data.write_text("\n".join(SEG_LINES[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "continued"
    quick = ["--epochs", "2", "--lr", "0.001", "--batch-chars", "200", "--quiet", "--dim", "8"]  # --dim is ignored
    result = nlptk("tag", "train", str(data), "--dev", str(data), "-o", str(out), "--init-from", str(seg_model), *quick)
    assert result.returncode == 0, result.stderr
    before = json.loads((seg_model / "config.json").read_text(encoding="utf-8"))
    after = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert after["chars"] == before["chars"] and after["dim"] == before["dim"] == 32
    assert after["training"]["continued_from"]["dev"] == before["training"]["dev"]
    assert after["training"]["init_from"] == str(seg_model)
    assert after["training"]["dev"]["f1"] == 1.0  # a model that already fits the data keeps fitting it
    bio = tmp_path / "ner.bio"
    bio.write_text("张\tB-PER\n三\tI-PER\n来\tO\n", encoding="utf-8")
    result = nlptk("tag", "train", "--task", "ner", str(bio), "--dev", str(bio), "-o", str(tmp_path / "x"),
                   "--init-from", str(seg_model), *quick)  # fmt: skip
    assert result.returncode == 1 and "is a seg model, not ner" in result.stderr
    assert not (tmp_path / "x").exists()


def test_eval_and_predict(seg_model: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.txt"
    gold.write_text("\n".join(SEG_LINES) + "\n", encoding="utf-8")
    result = nlptk("tag", "eval", str(gold), "--model", str(seg_model), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["f1"] == 1.0
    raw = "\n".join("".join(line.split()) for line in SEG_LINES) + "\n"
    result = nlptk("tag", "predict", "--model", str(seg_model), stdin=raw)
    assert result.stdout.splitlines() == SEG_LINES


def test_segment_with_model_keeps_runs_and_user_dict_changes_paths(seg_model: Path, tmp_path: Path) -> None:
    result = nlptk("segment", "--model", str(seg_model), stdin="我们喜欢北京 人工智能\n\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["我们 喜欢 北京 人工智能", ""]
    plain = nlptk("segment", "--model", str(seg_model), stdin="北京大学生\n").stdout.split()
    user = tmp_path / "user.txt"
    user.write_text("大学生 1000000\n", encoding="utf-8")
    biased = nlptk("segment", "--model", str(seg_model), "--user-dict", str(user), stdin="北京大学生\n").stdout.split()
    assert "大学生" in biased and biased != plain


def test_segment_option_errors(seg_model: Path, tmp_path: Path) -> None:
    result = nlptk("segment", "--lexicon", "jieba", "--model", str(seg_model), stdin="你好\n")
    assert result.returncode == 1 and result.stderr.startswith("nlptk: error:")
    result = nlptk("segment", "--model", str(tmp_path), stdin="你好\n")
    assert result.returncode == 1 and "not a tagger model" in result.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("大学生 lots\n", encoding="utf-8")
    result = nlptk("segment", "--model", str(seg_model), "--user-dict", str(bad), stdin="你好\n")
    assert result.returncode == 1 and "line 1" in result.stderr


def test_ner_train_and_predict_format(tmp_path: Path) -> None:
    sentences = [("张三在北京工作", "B-PER I-PER O B-LOC I-LOC O O"), ("李四去上海", "B-PER I-PER O B-LOC I-LOC")] * 3
    data = tmp_path / "ner.bio"
    data.write_text(
        "\n\n".join("\n".join(f"{c}\t{t}" for c, t in zip(text, tags.split(), strict=True)) for text, tags in sentences)
        + "\n",
        encoding="utf-8",
    )
    raw = tmp_path / "raw.txt"
    raw.write_text("王五在南京工作\n张三在北京工作\n" * 5, encoding="utf-8")
    model = tmp_path / "m"
    result = nlptk("tag", "train", "--task", "ner", str(data), "--dev", str(data), "-o", str(model), *TRAIN,
                   "--pretrain-chars", str(raw))  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert {"王", "五", "南"} <= set(config["chars"])  # characters only the raw text has join the vocabulary
    result = nlptk("tag", "predict", "--model", str(model), stdin="张三在北京工作\n")
    rows = [line.split("\t") for line in result.stdout.splitlines() if line]
    assert [r[0] for r in rows] == list("张三在北京工作")
    assert [r[1] for r in rows] == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "O"]
    flagged = tmp_path / "flagged"
    result = nlptk("tag", "train", "--task", "ner", str(data), "--dev", str(data), "-o", str(flagged),
                   "--init-from", str(model), "--entity-folds", "2", "--epochs", "1", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads((flagged / "config.json").read_text(encoding="utf-8"))
    entities = sorted(map(tuple, config["entities"]))
    assert entities == [("上海", "LOC"), ("北京", "LOC"), ("张三", "PER"), ("李四", "PER")]
    assert config["training"]["options"]["entity_folds"] == 2


DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.mark.skipif(not (DATA / "cws" / "pku").is_dir(), reason="../shared/data/cws/pku not present")
def test_shipped_model_on_the_pku_test_set(tmp_path: Path) -> None:
    """The default `nlptk segment` model keeps its measured quality (README: PKU test F1 ≥ 0.95)."""
    pku = DATA / "cws" / "pku"
    pred = tmp_path / "pred.txt"
    result = nlptk("segment", str(pku / "pku_test.utf8"), "-o", str(pred))
    assert result.returncode == 0, result.stderr
    result = nlptk("evaluate", "segment", str(pku / "pku_test_gold.utf8"), str(pred), "--format", "json")
    assert json.loads(result.stdout)["f1"] >= 0.95
