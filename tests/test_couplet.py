"""Couplet generation: the line constraints under every decoder, training, model files, evaluation
and the ``nlptk couplet`` commands, on tiny models."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import FILE_DAMAGES, assert_stored_exactly, damaged_copy, edit_config, jsonl_records, one_line_error  # noqa: E402
from conftest import invoke as invoke_process  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from nlptk.cli.common import app  # noqa: E402
from nlptk.decode import Decoding  # noqa: E402
from nlptk.errors import NlptkError  # noqa: E402
from nlptk.seq2seq.couplet.config import CoupletConfig, CoupletTrainOptions  # noqa: E402
from nlptk.seq2seq.couplet.constraints import AnswerCheck, LineConstraint, check_answer, repetition_pattern  # noqa: E402
from nlptk.seq2seq.couplet.data import (  # noqa: E402
    check_line,
    clean_line,
    is_punctuation,
    read_pairs,
    read_parallel,
    usable_pairs,
)
from nlptk.seq2seq.couplet.evaluation import evaluate_couplets, group_references  # noqa: E402
from nlptk.seq2seq.couplet.generate import answer_lines  # noqa: E402
from nlptk.seq2seq.couplet.model import CoupletModel  # noqa: E402
from nlptk.seq2seq.couplet.train import train_couplet_model  # noqa: E402
from nlptk.seq2seq.training import kept_metrics  # noqa: E402
from nlptk.seq2seq.vocab import Vocabulary  # noqa: E402

# Pairs that keep every rule (same length, punctuation in place, no same-position repeat, mirrored).
PAIRS = [
    ("晚风摇树树还挺", "夜雨敲花花更香"),
    ("春风，春雨", "秋月，秋霜"),
    ("山高水长", "海阔天空"),
    ("红花绿叶", "白雪青松"),
]
HAN = "晚风摇树还挺夜雨敲花更香春秋月霜山高水长海阔天空红绿叶白雪青松日云东西南北"
IN_VOCAB_PUNCT = "，。"
OOV_PUNCT = "！、；？"  # punctuation the vocabulary lacks: copied through <unk>
OOV_HAN = "龙虎凤"  # Han characters the vocabulary lacks
PUNCT = IN_VOCAB_PUNCT + OOV_PUNCT
FIXED_LINES = [
    "晚风摇树树还挺",
    "春风，春雨",
    "雨打芭蕉蕉",
    "天天天",
    "一一二二",
    "花",
    "春风，春雨！秋月？",
    "龙虎，龙凤",
]
DESIGNS = {"gru": 16, "reference": 0}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def vocabulary() -> Vocabulary:
    return Vocabulary.build([HAN + IN_VOCAB_PUNCT + "".join(a + b for a, b in PAIRS)])


def tiny_model(decoder: int, seed: int = 0) -> CoupletModel:
    torch.manual_seed(seed)
    vocab = vocabulary()
    attention = [1] if decoder else []
    model = CoupletModel(CoupletConfig(vocab.words, dim=16, decoder=decoder, attention=attention, dilations=[1, 1]))
    return model.eval()


@pytest.fixture(scope="module")
def models() -> dict[str, CoupletModel]:
    return {name: tiny_model(size) for name, size in DESIGNS.items()}


def random_lines(count: int, seed: int) -> list[str]:
    """First lines of 1-12 characters with punctuation (some unknown to the model), repeated
    characters and Han characters the model lacks."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        chars: list[str] = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            earlier = [c for c in chars if c not in PUNCT]
            if r < 0.15:
                chars.append(rng.choice(PUNCT))
            elif r < 0.4 and earlier:
                chars.append(rng.choice(earlier))
            elif r < 0.45:
                chars.append(rng.choice(OOV_HAN))
            else:
                chars.append(rng.choice(HAN))
        if all(c in PUNCT for c in chars):
            chars[0] = rng.choice(HAN)
        lines.append("".join(chars))
    return lines


def assert_keeps_rules(first: str, second: str, vocab: Vocabulary) -> None:
    """The rules checked directly, then through check_answer."""
    assert len(second) == len(first), (first, second)
    for a, b in zip(first, second, strict=True):
        if a in PUNCT:
            assert b == a, (first, second)
        else:
            assert "\u4e00" <= b <= "\u9fff" and b in vocab.ids, (first, second)
            assert b != a, (first, second)
    for j in range(len(first)):
        for i in range(j):
            assert (first[i] == first[j]) == (second[i] == second[j]), (first, second, i, j)
    assert check_answer(first, second) == AnswerCheck(True, True, False, True)


def teacher_forced_log_prob(model: CoupletModel, first: str, second: str) -> float:
    ids, mask = model.encode_lines([first])
    targets, _ = model.encode_lines([second])
    previous = torch.cat([torch.zeros((1, 1), dtype=torch.long), targets[:, :-1]], dim=1)
    with torch.no_grad():
        logits, _ = model.logits(model.encode(ids, mask), previous)
    return float(torch.log_softmax(logits, dim=-1).gather(2, targets[..., None]).sum())


# --- data and rules ------------------------------------------------------------------------------


def test_repetition_pattern_and_check_answer() -> None:
    assert repetition_pattern("雨打芭蕉蕉") == (0, 1, 2, 3, 3)
    assert repetition_pattern("春风，春雨") == (0, 1, 2, 0, 4)
    assert check_answer("春风，春雨", "秋月，秋霜") == AnswerCheck(True, True, False, True)
    assert check_answer("春风，春雨", "秋月。秋霜").punctuation_in_place is False
    assert check_answer("春风，春雨", "秋月秋秋霜").punctuation_in_place is False
    assert check_answer("春风", "春月").same_position_repeat is True
    assert check_answer("春风", "月春").same_position_repeat is False
    assert check_answer("天天", "日月").mirrored is False
    assert check_answer("天地", "日日").mirrored is False
    assert check_answer("天地", "日月人") == AnswerCheck(False, False, False, False)


def test_check_line_and_clean_line() -> None:
    assert check_line("", 64) == "empty line"
    assert "at most 4" in check_line("山高水长流", 4)
    assert check_line("山高水长", 4) is None
    assert "not Chinese" in check_line("hello", 64)
    assert "not Chinese" in check_line("春风abc", 64)
    assert "not Chinese" in check_line("春风2024", 64)
    assert "not Chinese" in check_line("，。", 64)
    assert check_line("春风，春雨！", 64) is None
    assert clean_line(" 晚 风  摇\t树 ") == "晚风摇树"
    assert is_punctuation("，") and is_punctuation("!") and not is_punctuation("春") and not is_punctuation("a")


def test_read_pairs_formats_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text("晚 风 摇 树 树 还 挺\t=>\t夜 雨 敲 花 花 更 香\n\n山高水长\t海阔天空\n", encoding="utf-8")
    assert read_pairs(path) == [("晚风摇树树还挺", "夜雨敲花花更香"), ("山高水长", "海阔天空")]
    bad = tmp_path / "bad.txt"
    bad.write_text("山高水长\t=>\t海阔天空\n只有一行\n", encoding="utf-8")
    with pytest.raises(NlptkError, match=r"bad.txt:2"):
        read_pairs(bad)


def test_read_parallel_and_usable_pairs(tmp_path: Path) -> None:
    first, second = tmp_path / "in.txt", tmp_path / "out.txt"
    first.write_text("山 高 水 长\n春 风\n红花绿叶\n", encoding="utf-8")
    second.write_text("海 阔 天 空\n秋 月 霜\n白雪青松\n", encoding="utf-8")
    pairs = read_parallel(first, second)
    assert pairs == [("山高水长", "海阔天空"), ("春风", "秋月霜"), ("红花绿叶", "白雪青松")]
    assert usable_pairs(pairs, 64) == [("山高水长", "海阔天空"), ("红花绿叶", "白雪青松")]
    assert usable_pairs(pairs, 3) == []
    assert usable_pairs([("", "")], 64) == []
    second.write_text("海阔天空\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="3 lines"):
        read_parallel(first, second)


def test_line_constraint_masks_by_hand() -> None:
    vocab = vocabulary()
    constraint = LineConstraint(["春风，春"], vocab)
    rows = torch.tensor([0])
    allowed = constraint(0, rows, torch.zeros((1, 0), dtype=torch.long))
    assert not allowed[0, 0] and not allowed[0, 1]  # never <eos> or <unk> inside the line
    assert not allowed[0, vocab.ids["春"]]  # the first line's character at this position
    assert not allowed[0, vocab.ids["，"]]  # punctuation only where the first line has it
    assert allowed[0, vocab.ids["秋"]]
    autumn = vocab.ids["秋"]
    allowed = constraint(1, rows, torch.tensor([[autumn]]))
    assert not allowed[0, autumn] and not allowed[0, vocab.ids["风"]] and allowed[0, vocab.ids["月"]]
    allowed = constraint(2, rows, torch.tensor([[autumn, vocab.ids["月"]]]))
    assert allowed[0].nonzero().flatten().tolist() == [vocab.ids["，"]]  # punctuation copied
    allowed = constraint(3, rows, torch.tensor([[autumn, vocab.ids["月"], vocab.ids["，"]]]))
    assert allowed[0].nonzero().flatten().tolist() == [autumn]  # the repeat mirrored
    allowed = constraint(4, rows, torch.zeros((1, 4), dtype=torch.long))
    assert allowed[0].nonzero().flatten().tolist() == [0]  # past the line: only the end
    with pytest.raises(ValueError, match="one length"):
        LineConstraint(["春风", "秋月霜"], vocab)


# --- constrained decoding on untrained models ----------------------------------------------------


@pytest.mark.parametrize("design", list(DESIGNS))
@pytest.mark.parametrize(("decoder", "n"), [("greedy", 1), ("beam-3", 3), ("nucleus-0.9", 3), ("topk-5", 2)])
def test_every_candidate_keeps_the_rules(models: dict[str, CoupletModel], design: str, decoder: str, n: int) -> None:
    model = models[design]
    lines = FIXED_LINES + random_lines(40, seed=len(decoder) + n)
    answers = answer_lines(model, lines, Decoding.parse(decoder), n=n, seed=3)
    assert [a.first for a in answers] == lines
    for answer in answers:
        assert answer.error is None
        assert 1 <= len(answer.candidates) <= n
        assert len(set(answer.candidates)) == len(answer.candidates)  # distinct
        assert len(answer.scores) == len(answer.candidates)
        assert answer.scores == sorted(answer.scores, reverse=True)
        for candidate in answer.candidates:
            assert_keeps_rules(answer.first, candidate, model.vocab)
    if decoder.startswith("beam"):
        # three distinct candidates for every line with at least 3 possible answers
        assert all(len(a.candidates) == 3 for a in answers)
    if decoder == "greedy":
        assert all(len(a.candidates) == 1 for a in answers)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_scores_are_the_teacher_forced_log_probabilities(models: dict[str, CoupletModel], design: str) -> None:
    model = models[design]
    lines = FIXED_LINES + random_lines(10, seed=5)
    for decoder in ("beam-3", "topk-5"):
        for answer in answer_lines(model, lines, Decoding.parse(decoder), n=3):
            for candidate, score in zip(answer.candidates, answer.scores, strict=True):
                assert score == pytest.approx(teacher_forced_log_prob(model, answer.first, candidate), abs=1e-3)


def test_bfloat16_output_layer_agrees_and_does_not_depend_on_the_batch() -> None:
    """The fast output layer (bf16 product, float32 bias) is close to float32, and a line's
    answer is the same alone, in a batch, and with two threads."""
    model = tiny_model(16, seed=3)
    features = torch.randn(7, 1, 16 + 16)
    exact = model._scores(features)
    model.fast_output = model.output.weight.detach().to(torch.bfloat16)
    fast = model._scores(features)
    assert fast.dtype == torch.float32
    assert torch.allclose(fast, exact, atol=0.05)
    lines = random_lines(30, seed=8)
    decoding = Decoding.parse("beam-4")
    batched = [a.candidates for a in answer_lines(model, lines, decoding, n=2)]
    alone = [answer_lines(model, [line], decoding, n=2)[0].candidates for line in lines]
    assert batched == alone
    torch.set_num_threads(2)
    try:
        assert [a.candidates for a in answer_lines(model, lines, decoding, n=2)] == batched
    finally:
        torch.set_num_threads(1)


def test_beam_candidates_improve_on_greedy(models: dict[str, CoupletModel]) -> None:
    model = models["gru"]
    lines = random_lines(20, seed=11)
    greedy = answer_lines(model, lines, Decoding("greedy"))
    beam = answer_lines(model, lines, Decoding.parse("beam-4"))
    for g, b in zip(greedy, beam, strict=True):
        assert b.scores[0] >= g.scores[0] - 1e-6


@pytest.mark.parametrize("decoder", ["nucleus-0.9", "topk-5", "beam-3"])
def test_same_seed_same_answers(decoder: str) -> None:
    lines = random_lines(15, seed=2)
    runs = [answer_lines(tiny_model(16, seed=4), lines, Decoding.parse(decoder), n=2, seed=9) for _ in range(2)]
    assert [a.candidates for a in runs[0]] == [a.candidates for a in runs[1]]
    assert [a.scores for a in runs[0]] == [a.scores for a in runs[1]]


def test_sampling_seed_changes_the_draws(models: dict[str, CoupletModel]) -> None:
    lines = random_lines(15, seed=2)
    draws = {
        tuple(tuple(a.candidates) for a in answer_lines(models["gru"], lines, Decoding.parse("topk-5"), seed=seed))
        for seed in range(3)
    }
    assert len(draws) > 1


def test_bad_lines_are_reported_and_the_others_answered(models: dict[str, CoupletModel]) -> None:
    model = models["gru"]
    lines = ["晚风摇树树还挺", "", "hello world", "春" * (model.config.max_len + 1), "，。", "春风，春雨", "   "]
    answers = answer_lines(model, lines, Decoding.parse("beam-3"), n=2)
    errors = [a.error for a in answers]
    assert errors[0] is None and errors[5] is None
    assert errors[1] == "empty line" and errors[6] == "empty line"
    assert "not Chinese" in errors[2] and "not Chinese" in errors[4]
    assert f"at most {model.config.max_len}" in errors[3]
    for i in (1, 2, 3, 4, 6):
        assert answers[i].candidates == [] and answers[i].scores == []
    for i in (0, 5):
        assert len(answers[i].candidates) == 2
        for candidate in answers[i].candidates:
            assert_keeps_rules(answers[i].first, candidate, model.vocab)
    # the good lines get the answers they get when asked alone
    alone = answer_lines(model, ["晚风摇树树还挺", "春风，春雨"], Decoding.parse("beam-3"), n=2)
    assert [a.candidates for a in alone] == [answers[0].candidates, answers[5].candidates]


def test_whitespace_inside_a_line_is_ignored(models: dict[str, CoupletModel]) -> None:
    spaced, plain = answer_lines(models["gru"], ["晚 风 摇 树 树 还 挺", "晚风摇树树还挺"], Decoding("greedy"))
    assert spaced.first == plain.first == "晚风摇树树还挺"
    assert spaced.candidates == plain.candidates


# --- training, model files, evaluation -----------------------------------------------------------


def train_tiny(decoder: int, epochs: int = 20) -> CoupletModel:
    vocab = Vocabulary.build([a + b for a, b in PAIRS])
    config = CoupletConfig(vocab.words, dim=16, decoder=decoder, dilations=[1, 1], attention=[], dropout=0.0)
    options = CoupletTrainOptions(epochs=epochs, lr=0.02, batch_size=4, patience=6, min_count=1)
    return train_couplet_model(config, PAIRS * 4, PAIRS, options, log=lambda message: None)


@pytest.fixture(scope="module")
def trained() -> CoupletModel:
    return train_tiny(16)


@pytest.fixture(scope="module")
def trained_dir(trained: CoupletModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("couplet") / "model"
    trained.save(path)
    return path


def test_tiny_model_overfits(trained: CoupletModel) -> None:
    firsts = [a for a, _ in PAIRS]
    for decoder in ("greedy", "beam-5"):
        answers = answer_lines(trained, firsts, Decoding.parse(decoder))
        assert [a.candidates[0] for a in answers] == [b for _, b in PAIRS]
    record = trained.config.training
    assert kept_metrics(record) == {"bleu4": 1.0}
    assert record["data"] == {"train": 16, "dev": 4}
    assert 1 <= record["epochs_run"] == len(record["evaluations"]) <= 20
    assert not trained.training  # returned in eval mode


def test_reference_design_overfits() -> None:
    model = train_tiny(0)
    answers = answer_lines(model, [a for a, _ in PAIRS], Decoding("greedy"))
    assert [a.candidates for a in answers] == [[b] for _, b in PAIRS]


def test_save_load_round_trip(trained: CoupletModel, trained_dir: Path, tmp_path: Path) -> None:
    loaded = CoupletModel.load(trained_dir)
    assert asdict(loaded.config) == asdict(trained.config)
    assert not loaded.training
    firsts = [a for a, _ in PAIRS]
    for decoder, n in (("greedy", 1), ("beam-3", 3)):
        before = answer_lines(trained, firsts, Decoding.parse(decoder), n=n)
        after = answer_lines(loaded, firsts, Decoding.parse(decoder), n=n)
        assert [a.candidates[0] for a in after] == [b for _, b in PAIRS]
        assert [a.candidates for a in after] == [a.candidates for a in before]
        for a, b in zip(after, before, strict=True):
            assert a.scores == pytest.approx(b.scores, abs=0.05)
    assert_stored_exactly(loaded, tmp_path)  # float16, int8 embeddings: a second round trip is exact


DAMAGES: dict[str, Callable[[Path], object]] = {
    "other dim": lambda d: edit_config(d, dim=32),  # weights of another shape
    "no decoder": lambda d: edit_config(d, decoder=0),  # GRU weights not expected
    "title format": lambda d: edit_config(d, format="nlptk-title"),
    "unknown field": lambda d: edit_config(d, colour="red"),
    "bad chars": lambda d: edit_config(d, chars=["a", "b", "c"]),  # not a vocabulary
    "heads": lambda d: edit_config(d, heads=3, attention=[0]),  # AssertionError: 16 is not divisible by 3
    **FILE_DAMAGES,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_load_wrong_model_directory_raises(trained_dir: Path, tmp_path: Path, damage: str) -> None:
    with pytest.raises(NlptkError, match="couplet model"):
        CoupletModel.load(damaged_copy(trained_dir, tmp_path, DAMAGES[damage]))


def test_load_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(NlptkError, match="not a couplet model"):
        CoupletModel.load(tmp_path / "missing")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NlptkError, match="not a couplet model"):
        CoupletModel.load(tmp_path / "file")


def test_group_references() -> None:
    pairs = [("甲", "乙"), ("丙", "丁"), ("甲", "戊")]
    assert group_references(pairs) == {"甲": ["乙", "戊"], "丙": ["丁"]}
    assert list(group_references(pairs)) == ["甲", "丙"]


def test_evaluate_groups_repeated_first_lines(trained: CoupletModel) -> None:
    pairs = [
        ("晚风摇树树还挺", "夜雨敲花花更香"),
        ("山高水长", "海阔天空"),
        ("晚风摇树树还挺", "朝阳照水水长清"),
        ("春风，春雨", "秋月，秋霜"),
        ("山高水长", "云淡风轻"),
    ]
    evaluation = evaluate_couplets(trained, pairs, Decoding("greedy"))
    scores = evaluation.scores
    assert scores.pairs == 5 and scores.first_lines == 3
    assert evaluation.firsts == ["晚风摇树树还挺", "山高水长", "春风，春雨"]
    assert evaluation.references == [["夜雨敲花花更香", "朝阳照水水长清"], ["海阔天空", "云淡风轻"], ["秋月，秋霜"]]
    assert evaluation.predictions == ["夜雨敲花花更香", "海阔天空", "秋月，秋霜"]
    # each prediction equals one of its references: perfect BLEU despite the other references
    assert scores.bleu4 == pytest.approx(1.0)
    assert scores.same_length == scores.punctuation_in_place == scores.mirrored == 1.0
    assert scores.same_position_repeats == 0 and scores.refused == 0
    assert scores.decoder == "greedy"
    # scored against the other references alone, the same answers are far from perfect
    others = [p for i, p in enumerate(pairs) if i in (2, 3, 4)]
    assert evaluate_couplets(trained, others, Decoding("greedy")).scores.bleu4 < 0.5


def test_evaluate_counts_refused_lines(trained: CoupletModel) -> None:
    evaluation = evaluate_couplets(trained, [*PAIRS, ("hello", "world")], Decoding("greedy"))
    scores = evaluation.scores
    assert scores.refused == 1 and scores.first_lines == 5
    assert evaluation.predictions[-1] == ""
    assert scores.same_length == pytest.approx(4 / 5)
    assert 0 < scores.bleu4 < 1.0  # the empty answer shortens the corpus (brevity penalty)


# --- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def invoke(*args: str | Path, stdin: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin)


def test_cli_default_command_answers(trained_dir: Path) -> None:
    result = invoke("couplet", "-m", trained_dir, "--threads", "1", "晚风摇树树还挺")
    assert result.exit_code == 0, result.output
    assert result.stdout == "夜雨敲花花更香\n"


def test_cli_answer_jsonl_with_candidates(trained_dir: Path) -> None:
    args = ["-m", trained_dir, "-n", "2", "--format", "jsonl", "--threads", "1"]
    result = invoke("couplet", "answer", *args, "晚风摇树树还挺", "山高水长")
    records = jsonl_records(result)
    assert [r["line"] for r in records] == [1, 2]
    assert [r["first"] for r in records] == ["晚风摇树树还挺", "山高水长"]
    for record, (_, gold) in zip(records, [PAIRS[0], PAIRS[2]], strict=True):
        assert len(record["candidates"]) == 2 and len(set(record["candidates"])) == 2
        assert record["candidates"][0] == gold
        assert record["log_probs"] == sorted(record["log_probs"], reverse=True)
        for candidate in record["candidates"]:
            assert_keeps_rules(record["first"], candidate, vocabulary())


def test_cli_stdin_with_a_bad_line(trained_dir: Path) -> None:
    stdin = "晚风摇树树还挺\nhello\n春风，春雨\n"
    result = invoke("couplet", "-m", trained_dir, "--format", "jsonl", "--threads", "1", stdin=stdin)
    assert result.exit_code == 1
    assert isinstance(result.exception, NlptkError) and "1 of 3" in str(result.exception)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[0]["candidates"] == ["夜雨敲花花更香"]
    assert "not Chinese" in records[1]["error"] and "candidates" not in records[1]
    assert records[2]["candidates"] == ["秋月，秋霜"]
    assert "line 2" in result.stderr
    # tsv keeps one output line per input line
    result = invoke("couplet", "-m", trained_dir, "--threads", "1", stdin=stdin)
    assert result.exit_code == 1
    assert result.stdout == "夜雨敲花花更香\n\n秋月，秋霜\n"


def test_cli_reads_files(trained_dir: Path, tmp_path: Path) -> None:
    lines = tmp_path / "firsts.txt"
    lines.write_text("山高水长\n红花绿叶\n", encoding="utf-8")
    result = invoke("couplet", "-m", trained_dir, "--threads", "1", "-f", lines, "--decoder", "greedy")
    assert result.exit_code == 0, result.output
    assert result.stdout == "海阔天空\n白雪青松\n"


def test_cli_eval(trained_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "test.txt"
    rows = [*PAIRS, ("山高水长", "云淡风轻")]
    pairs.write_text("".join(f"{' '.join(a)}\t=>\t{' '.join(b)}\n" for a, b in rows), encoding="utf-8")
    result = invoke("couplet", "eval", pairs, "-m", trained_dir, "--threads", "1", "--examples", "1")
    assert result.exit_code == 0, result.output
    fields = dict(line.split("\t", 1) for line in result.stdout.splitlines() if not line.startswith("example"))
    assert fields["pairs"] == "5" and fields["first_lines"] == "4"
    assert fields["decoder"] == "beam-5"
    assert fields["bleu4"] == "1.0000"
    assert fields["mirrored"] == "1.0000" and fields["refused"] == "0"
    assert "example\t晚风摇树树还挺\t夜雨敲花花更香\t夜雨敲花花更香" in result.stdout.splitlines()


def test_cli_train_writes_a_loadable_model(tmp_path: Path) -> None:
    train_in, train_out, dev = tmp_path / "in.txt", tmp_path / "out.txt", tmp_path / "dev.txt"
    train_in.write_text("".join(" ".join(a) + "\n" for a, _ in PAIRS), encoding="utf-8")
    train_out.write_text("".join(" ".join(b) + "\n" for _, b in PAIRS), encoding="utf-8")
    dev.write_text("".join(f"{a}\t=>\t{b}\n" for a, b in PAIRS[:2]), encoding="utf-8")
    output = tmp_path / "model"
    result = invoke(
        "couplet", "train", "--train-in", train_in, "--train-out", train_out, "--dev", dev, "-o", output,
        "--dim", "8", "--dilations", "1", "--attention", "0", "--decoder", "8", "--min-count", "1", "--epochs", "1",
        "--batch-size", "4", "--threads", "1", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    model = CoupletModel.load(output)
    assert model.config.dim == 8 and model.config.decoder == 8 and model.config.dilations == [1]
    assert model.config.training["epochs_run"] == 1
    assert model.config.training["data"] == {"train": 4, "dev": 2}
    assert model.config.training["dev_file"] == str(dev)
    answers = answer_lines(model, ["晚风摇树树还挺"], Decoding("greedy"))
    assert_keeps_rules("晚风摇树树还挺", answers[0].candidates[0], model.vocab)


def test_cli_train_without_usable_pairs(tmp_path: Path) -> None:
    train_in, train_out, dev = tmp_path / "in.txt", tmp_path / "out.txt", tmp_path / "dev.txt"
    train_in.write_text("山高水长\n", encoding="utf-8")
    train_out.write_text("海阔天\n", encoding="utf-8")  # lengths differ
    dev.write_text("山高水长\t=>\t海阔天空\n", encoding="utf-8")
    result = invoke(
        "couplet", "train", "--train-in", train_in, "--train-out", train_out, "--dev", dev, "-o", tmp_path / "m"
    )
    assert result.exit_code == 1 and isinstance(result.exception, NlptkError)
    assert not (tmp_path / "m").exists()


def test_cli_missing_model_is_a_one_line_error(tmp_path: Path) -> None:
    result = invoke_process("couplet", "-m", tmp_path / "missing", "--threads", "1", "春风")
    one_line_error(result, "not a couplet model")


def test_cli_bad_decoder_is_a_one_line_error(trained_dir: Path) -> None:
    result = invoke_process("couplet", "-m", trained_dir, "--decoder", "best-5", "春风")
    assert one_line_error(result, status=2).startswith("nlptk: error: --decoder 'best-5' is unknown")
