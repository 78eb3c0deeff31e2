"""The tagging commands end to end on tiny data: train, eval, predict, segment with a model and a user dictionary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke, needs_torch, one_line_error, usage_error

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


@needs_torch
def test_train_writes_config_with_scores(seg_model: Path) -> None:
    from nlptk.seq2seq.training import kept_metrics

    config = json.loads((seg_model / "config.json").read_text(encoding="utf-8"))
    assert config["task"] == "seg"
    assert config["tags"] == ["B", "M", "E", "S"]
    assert kept_metrics(config["training"])["f1"] == 1.0
    assert config["training"]["train_files"]


@needs_torch
def test_training_continues_from_a_model(seg_model: Path, tmp_path: Path) -> None:
    from nlptk.seq2seq.training import kept_metrics

    data = tmp_path / "more.txt"
    data.write_text("\n".join(SEG_LINES[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "continued"
    quick = ["--epochs", "2", "--lr", "0.001", "--batch-chars", "200", "--quiet", "--dim", "8"]  # --dim is ignored
    result = nlptk("tag", "train", str(data), "--dev", str(data), "-o", str(out), "--init-from", str(seg_model), *quick)
    assert result.returncode == 0, result.stderr
    before = json.loads((seg_model / "config.json").read_text(encoding="utf-8"))
    after = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert after["chars"] == before["chars"] and after["dim"] == before["dim"] == 32
    assert after["training"]["continued_from"]["best"] == before["training"]["best"]
    assert after["training"]["init_from"] == str(seg_model)
    assert kept_metrics(after["training"])["f1"] == 1.0  # a model that already fits the data keeps fitting it
    bio = tmp_path / "ner.bio"
    bio.write_text("张\tB-PER\n三\tI-PER\n来\tO\n", encoding="utf-8")
    result = nlptk("tag", "train", "--task", "ner", str(bio), "--dev", str(bio), "-o", str(tmp_path / "x"),
                   "--init-from", str(seg_model), *quick)  # fmt: skip
    assert result.returncode == 1 and "is a seg model, not ner" in result.stderr
    assert not (tmp_path / "x").exists()


@needs_torch
def test_eval_and_predict(seg_model: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.txt"
    gold.write_text("\n".join(SEG_LINES) + "\n", encoding="utf-8")
    result = nlptk("tag", "eval", str(gold), "--model", str(seg_model), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["f1"] == 1.0
    raw = "\n".join("".join(line.split()) for line in SEG_LINES) + "\n"
    result = nlptk("tag", "predict", "--model", str(seg_model), stdin=raw)
    assert result.stdout.splitlines() == SEG_LINES


@needs_torch
def test_segment_with_model_keeps_runs_and_user_dict_changes_paths(seg_model: Path, tmp_path: Path) -> None:
    result = nlptk("segment", "--model", str(seg_model), stdin="我们喜欢北京 人工智能\n\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["我们 喜欢 北京 人工智能", ""]
    plain = nlptk("segment", "--model", str(seg_model), stdin="北京大学生\n").stdout.split()
    user = tmp_path / "user.txt"
    user.write_text("大学生 1000000\n", encoding="utf-8")
    biased = nlptk("segment", "--model", str(seg_model), "--user-dict", str(user), stdin="北京大学生\n").stdout.split()
    assert "大学生" in biased and biased != plain


@needs_torch
def test_segment_option_errors(seg_model: Path, tmp_path: Path) -> None:
    result = nlptk("segment", "--lexicon", "jieba", "--model", str(seg_model), stdin="你好\n")
    assert result.returncode == 1 and result.stderr.startswith("nlptk: error:")
    result = nlptk("segment", "--model", str(tmp_path), stdin="你好\n")
    assert result.returncode == 1 and "not a tagger model" in result.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("大学生 lots\n", encoding="utf-8")
    result = nlptk("segment", "--model", str(seg_model), "--user-dict", str(bad), stdin="你好\n")
    assert result.returncode == 1 and "line 1" in result.stderr


@needs_torch
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


# -- issue 20: nothing the user owns is lost, no traceback, one option vocabulary -------------

QUICK = ["--epochs", "1", "-q", "--dim", "8", "--char-dim", "8", "--bigram-dim", "4", "--dilations", "1"]


@pytest.fixture()
def seg_files(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "seg_train.txt"
    train.write_text("\n".join(SEG_LINES * 6) + "\n", encoding="utf-8")
    dev = tmp_path / "seg_dev.txt"
    dev.write_text("\n".join(SEG_LINES) + "\n", encoding="utf-8")
    return train, dev


@needs_torch
def test_train_refuses_an_output_it_does_not_own(seg_files: tuple[Path, Path], tmp_path: Path) -> None:
    train, dev = seg_files
    mine = tmp_path / "d"
    (mine / "inner" / "deeper").mkdir(parents=True)
    (mine / "keep.txt").write_text("mine", encoding="utf-8")
    (mine / "inner" / "deeper" / "d.txt").write_text("mine too", encoding="utf-8")
    for force in ([], ["--force"]):
        usage_error(invoke("tag", "train", train, "--dev", dev, "-o", mine, *QUICK, *force), "--output", "not")
    assert (mine / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (mine / "inner" / "deeper" / "d.txt").read_text(encoding="utf-8") == "mine too"
    assert sorted(p.name for p in mine.iterdir()) == ["inner", "keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("data", encoding="utf-8")
    usage_error(invoke("tag", "train", train, "--dev", dev, "-o", a_file, *QUICK, "--force"), "--output", "file")
    assert a_file.read_text(encoding="utf-8") == "data"


@needs_torch
def test_train_replaces_a_model_only_with_force(seg_files: tuple[Path, Path], tmp_path: Path) -> None:
    train, dev = seg_files
    model = tmp_path / "m"
    assert invoke("tag", "train", train, "--dev", dev, "-o", model, *QUICK).returncode == 0
    (model / "config.json").write_text(
        json.dumps({**json.loads((model / "config.json").read_text(encoding="utf-8")), "marker": 1}), encoding="utf-8"
    )
    usage_error(invoke("tag", "train", train, "--dev", dev, "-o", model, *QUICK), "--force")
    assert json.loads((model / "config.json").read_text(encoding="utf-8"))["marker"] == 1
    result = invoke("tag", "train", train, "--dev", dev, "-o", model, *QUICK, "--force")
    assert result.returncode == 0, result.stderr
    assert "marker" not in json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in model.iterdir()) == ["config.json", "weights.npz"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-len", "0"),
        ("--dim", "0"),
        ("--char-dim", "0"),
        ("--bigram-dim", "-1"),
        ("--lstm-dim", "-1"),
        ("--dropout", "2"),
        ("--epochs", "0"),
        ("--lr", "-1"),
        ("--lr-decay", "0"),
        ("--crf-lr-multiplier", "0"),
        ("--batch-chars", "0"),
        ("--threads", "-1"),
        ("--seed", "99999999999999999999"),
        ("--seed", "-1"),
        ("--patience", "0"),
        ("--holdout", "-5"),
        ("--max-minutes", "-1"),
        ("--evaluations", "0"),
        ("--entity-folds", "1"),
        ("--dilations", "0,1"),
        ("--dilations", "1.5"),
    ],
)
@needs_torch
def test_train_range_checks_write_no_model(
    seg_files: tuple[Path, Path], tmp_path: Path, option: str, value: str
) -> None:
    train, dev = seg_files
    out = tmp_path / "m"
    args = ["tag", "train", train, "-o", out, *QUICK, option, value]
    args += [] if option == "--holdout" else ["--dev", dev]
    usage_error(invoke(*args, timeout=60), option)  # --max-len 0 used to hang
    assert not out.exists()


@needs_torch
def test_holdout_must_leave_training_sentences(seg_files: tuple[Path, Path], tmp_path: Path) -> None:
    train, _ = seg_files
    usage_error(invoke("tag", "train", train, "-o", tmp_path / "m", "--holdout", "30", *QUICK), "--holdout")
    usage_error(invoke("tag", "train", train, "-o", tmp_path / "m", *QUICK), "--dev", "--holdout")
    assert not (tmp_path / "m").exists()


@needs_torch
def test_a_file_of_another_format_is_named_with_the_format(seg_files: tuple[Path, Path], tmp_path: Path) -> None:
    train, _ = seg_files
    pku_like = tmp_path / "pku.txt"
    pku_like.write_text("１９９８年 ， 我们 在 北京 学习\n" * 30, encoding="utf-8")
    for data in (train, pku_like):
        result = invoke("tag", "train", "--task", "pos", data, "--holdout", "20", "-o", tmp_path / "m", *QUICK)
        one_line_error(result, data.name, "line 1", "CoNLL-U")
        result = invoke("tag", "train", "--task", "ner", data, "--holdout", "20", "-o", tmp_path / "m", *QUICK)
        one_line_error(result, data.name, "line 1", "character<TAB>tag")
    assert not (tmp_path / "m").exists()


def test_report_formats_are_checked(seg_files: tuple[Path, Path]) -> None:
    _, dev = seg_files
    usage_error(invoke("tag", "eval", dev, "--format", "xml"), "--format")
    usage_error(invoke("evaluate", "segment", dev, dev, "--format", "xml"), "--format")


def test_evaluate_segment_refuses_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    one_line_error(invoke("evaluate", "segment", empty, empty), "no words to score")
    blank = tmp_path / "blank.txt"
    blank.write_text("\n\n", encoding="utf-8")
    one_line_error(invoke("evaluate", "segment", blank, blank, "--format", "json"), "no words to score")


@needs_torch
def test_encoding_errors_option(seg_files: tuple[Path, Path], tmp_path: Path) -> None:
    train, dev = seg_files
    bad = tmp_path / "bad.txt"
    bad.write_bytes(train.read_bytes() + b"\xff\xfe\xe5\x8c\x97 \xe4\xba\xac\n")
    commands = [
        ["tag", "train", bad, "--dev", dev, "-o", tmp_path / "m", *QUICK],
        ["tag", "eval", bad],
        ["tag", "predict", bad],
        ["evaluate", "segment", bad, bad],
    ]
    for command in commands:
        one_line_error(invoke(*command), "bad.txt", "--encoding-errors")
        result = invoke(*command, "--encoding-errors", "replace")
        assert result.returncode == 0, (command, result.stderr)
    assert (tmp_path / "m" / "config.json").exists()
    predicted = invoke("tag", "predict", bad, "--encoding-errors", "ignore").stdout.decode()
    assert predicted.splitlines()[-1].replace(" ", "") == "北京"


def test_tag_commands_share_the_option_vocabulary(tmp_path: Path) -> None:
    for command in (["segment"], ["tag", "predict"], ["tag", "eval"], ["tag", "train"], ["evaluate", "segment"]):
        text = invoke(*command, "--help").stdout.decode()
        assert "--encoding-errors" in text, command
        if command != ["evaluate", "segment"]:
            assert "--threads" in text, command
        if command not in (["tag", "train"], ["evaluate", "segment"]):
            assert "-m, --model" in text, command
    train_help = invoke("tag", "train", "--help").stdout.decode()
    assert all(option in train_help for option in ("--seed", "--force", "--quiet", "-o, --output"))
    user_dict = " ".join(invoke("segment", "--help").stdout.decode().split())
    assert "leftmost" in user_dict and "longest" in user_dict


COARSE = ["我们 在 北京大学 学习 人工智能", "北京大学 的 学生 喜欢 机器学习", "人工智能 改变 世界"]
FINE = ["我们 在 北京 大学 学习 人工 智能", "北京 大学 的 学生 喜欢 机器 学习", "人工 智能 改变 世界"]


@needs_torch
def test_two_standards_from_the_command_line(tmp_path: Path) -> None:
    from nlptk.seq2seq.training import kept_metrics

    coarse, fine = tmp_path / "coarse.txt", tmp_path / "fine.txt"
    coarse.write_text("\n".join(COARSE) + "\n", encoding="utf-8")
    fine.write_text("\n".join(FINE) + "\n", encoding="utf-8")
    model = tmp_path / "model"
    specs = [f"coarse={coarse}", f"fine={fine}"]
    result = invoke("tag", "train", *specs, "--dev", specs[0], "--dev", specs[1], "-o", model, *TRAIN)
    assert result.returncode == 0, result.stderr
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    assert config["standards"] == ["coarse", "fine"]
    assert kept_metrics(config["training"])["f1_fine"] == 1.0
    text = "".join(COARSE[0].split()).encode("utf-8") + b"\n"
    for standard, gold in (("coarse", COARSE[0]), ("fine", FINE[0])):
        for backend in ("numpy", "torch"):
            args = ["-m", model, "--standard", standard, "--backend", backend, "--threads", "1"]
            assert invoke("segment", *args, stdin=text).stdout.decode("utf-8") == gold + "\n"
    user = tmp_path / "user.txt"
    user.write_text("人工智能\n", encoding="utf-8")
    kept = invoke("segment", "-m", model, "--standard", "fine", "--user-dict", user, stdin=text)
    assert kept.stdout.decode("utf-8") == "我们 在 北京 大学 学习 人工智能\n"  # the user's word, in either standard
    usage_error(invoke("segment", "-m", model, "--standard", "ctb", stdin=text), "--standard", "coarse, fine")
    usage_error(invoke("tag", "train", specs[0], str(fine), "--dev", str(fine), "-o", tmp_path / "m2"), "NAME=FILE")
    usage_error(invoke("tag", "train", *specs, "--dev", f"ctb={fine}", "-o", tmp_path / "m3", *TRAIN), "--dev", "ctb")
    assert not (tmp_path / "m2").exists() and not (tmp_path / "m3").exists()


def test_a_standard_the_shipped_model_does_not_know_is_a_usage_error() -> None:
    known = "one of: pku, ctb, sxu, udc, wtb, zx, weibo"
    usage_error(invoke("segment", "--standard", "nope", stdin="今天\n".encode()), "--standard", known)
