"""The generator commands (lm, couplet, title) as a user runs them: trainers never delete what
they did not write, bad option values are one-line usage errors raised before any model is
loaded, every reader takes --encoding-errors, and one option vocabulary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import invoke, one_line_error, usage_error  # noqa: E402

from nlptk.seq2seq.couplet.config import CoupletConfig  # noqa: E402
from nlptk.seq2seq.couplet.model import CoupletModel  # noqa: E402
from nlptk.seq2seq.lm.config import LMConfig  # noqa: E402
from nlptk.seq2seq.lm.model import LanguageModel  # noqa: E402
from nlptk.seq2seq.title.config import TitleConfig  # noqa: E402
from nlptk.seq2seq.title.model import TitleModel  # noqa: E402
from nlptk.seq2seq.vocab import Vocabulary  # noqa: E402

SENTENCES = ["the cat sat on the mat", "the dog sat on the log", "a cat saw a dog"] * 3
PAIRS = [("山高水长", "海阔天空"), ("红花绿叶", "白雪青松"), ("春风，春雨", "秋月，秋霜")]
STORIES = [
    {"content": "今天北京下了一场大雪，市民出门赏雪。", "title": "北京下雪"},
    {"content": "上海举办国际电影节，众多明星到场。", "title": "上海电影节"},
]
BAD_UTF8 = b"\xff\xfe broken\n"
MISSING = "no-such-model"


@dataclass
class Files:
    """Tiny data sets and untrained tiny models of the three generators."""

    root: Path
    sentences: Path
    first_lines: Path
    second_lines: Path
    pairs: Path
    stories: Path
    articles: Path
    lm: Path
    couplet: Path
    title: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    root = tmp_path_factory.mktemp("generators")
    sentences = root / "sentences.txt"
    sentences.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    first_lines, second_lines, pairs = root / "in.txt", root / "out.txt", root / "pairs.txt"
    first_lines.write_text("".join(a + "\n" for a, _ in PAIRS), encoding="utf-8")
    second_lines.write_text("".join(b + "\n" for _, b in PAIRS), encoding="utf-8")
    pairs.write_text("".join(f"{a}\t=>\t{b}\n" for a, b in PAIRS), encoding="utf-8")
    stories, articles = root / "stories.jsonl", root / "articles.txt"
    stories.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in STORIES), encoding="utf-8")
    articles.write_text("".join(s["content"] + "\n" for s in STORIES), encoding="utf-8")
    torch.manual_seed(0)
    words = Vocabulary.build(s.split() for s in SENTENCES).words
    LanguageModel(LMConfig(words, layers=1, hidden=8, dropout=0.0)).save(root / "lm")
    chars = Vocabulary.build([a + b for a, b in PAIRS]).words
    CoupletModel(CoupletConfig(chars, dim=8, dilations=[1], attention=[], decoder=8)).save(root / "couplet")
    chars = Vocabulary.build([s["content"] + s["title"] for s in STORIES]).words
    config = TitleConfig(
        chars, dim=8, encoder="conv", encoder_size=8, dilations=[1], decoder_size=8, hidden=8, max_input=12
    )
    TitleModel(config).save(root / "title")
    return Files(
        root,
        sentences,
        first_lines,
        second_lines,
        pairs,
        stories,
        articles,
        root / "lm",
        root / "couplet",
        root / "title",
    )


def train_args(kind: str, files: Files, output: Path | str) -> list[str | Path]:
    """A tiny training run of ``kind`` (seconds) writing ``output``."""
    common = ["-o", output, "--threads", "1", "--quiet"]
    if kind == "lm":
        return ["lm", "train", files.sentences, "--dev", files.sentences, "--hidden", "8", "--layers", "1",
                "--epochs", "1", *common]  # fmt: skip
    if kind == "couplet":
        return ["couplet", "train", "--train-in", files.first_lines, "--train-out", files.second_lines,
                "--dev", files.pairs, "--dim", "8", "--dilations", "1", "--attention", "", "--decoder", "8",
                "--min-count", "1", "--epochs", "1", "--batch-size", "4", *common]  # fmt: skip
    return ["title", "train", files.stories, "--dev", files.stories, "--dim", "8", "--encoder-size", "8",
            "--decoder-size", "8", "--hidden", "8", "--dilations", "1", "--min-count", "1", "--epochs", "1",
            "--batch-size", "2", "--max-title", "8", "--no-bf16", *common]  # fmt: skip


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- 1. trainers never delete what they did not write ------------------------------------------------------------

TRAINERS = ["lm", "couplet", "title"]


@pytest.mark.parametrize("kind", TRAINERS)
def test_trainer_refuses_a_directory_of_user_files_before_training(kind: str, files: Files, tmp_path: Path) -> None:
    owned = tmp_path / "mine"
    (owned / "inner" / "deeper").mkdir(parents=True)
    (owned / "keep.txt").write_text("keep me\n", encoding="utf-8")
    (owned / "inner" / "deeper" / "d.txt").write_text("and me\n", encoding="utf-8")
    before = snapshot(owned)
    usage_error(invoke(*train_args(kind, files, owned)), "--output", "not an nlptk model")
    usage_error(invoke(*train_args(kind, files, owned), "--force"), "--output", "not an nlptk model")
    assert snapshot(owned) == before


@pytest.mark.parametrize("kind", TRAINERS)
def test_trainer_refuses_a_file_and_checks_before_reading_data(kind: str, files: Files, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("my notes\n", encoding="utf-8")
    args = [
        str(files.root / "missing.txt") if str(a) == str(files.sentences) else a
        for a in train_args(kind, files, target)
    ]
    usage_error(invoke(*args), "--output", "is a file")  # the -o check comes before the missing data
    assert target.read_text(encoding="utf-8") == "my notes\n"


@pytest.mark.parametrize(("kind", "place"), [("lm", "."), ("couplet", "."), ("couplet", ".."), ("title", "..")])
def test_trainer_refuses_the_current_directory(kind: str, place: str, files: Files, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("keep\n", encoding="utf-8")
    usage_error(invoke(*train_args(kind, files, place), "--force", cwd=work), "--output", "current directory")
    assert snapshot(tmp_path) == {"work/keep.txt": b"keep\n"}


@pytest.mark.parametrize("kind", TRAINERS)
def test_trainer_replaces_a_model_directory_only_with_force(kind: str, files: Files, tmp_path: Path) -> None:
    output = tmp_path / "model"
    result = invoke(*train_args(kind, files, output))
    assert result.returncode == 0, result.stderr
    first = snapshot(output)
    assert set(first) == {"config.json", "weights.npz"}
    usage_error(invoke(*train_args(kind, files, output)), "--output", "--force")
    assert snapshot(output) == first
    result = invoke(*train_args(kind, files, output), "--seed", "1", "--force")
    assert result.returncode == 0, result.stderr
    assert set(snapshot(output)) == {"config.json", "weights.npz"}
    assert snapshot(output)["weights.npz"] != first["weights.npz"]  # another seed: new weights


# --- 2-4. bad option values: usage errors before any model is loaded ---------------------------------------------

GENERATE = {
    "couplet": ["couplet", "-m", MISSING, "春风"],
    "couplet eval": ["couplet", "eval", "PAIRS", "-m", MISSING],
    "title": ["title", "ARTICLES", "-m", MISSING],
    "title eval": ["title", "eval", "STORIES", "-m", MISSING],
    "lm sample": ["lm", "sample", "-m", MISSING],
    "lm eval": ["lm", "eval", "SENTENCES", "-m", MISSING],
    "lm degeneration": ["lm", "degeneration", "SENTENCES", "-m", MISSING],
}


def command(name: str, files: Files) -> list[str]:
    """The arguments of a generating command, with a missing model (loading it would fail)."""
    places = {"PAIRS": files.pairs, "ARTICLES": files.articles, "STORIES": files.stories, "SENTENCES": files.sentences}
    return [str(places.get(a, a)) for a in GENERATE[name]]


@pytest.mark.parametrize("name", list(GENERATE))
def test_negative_threads_is_a_usage_error_before_loading(name: str, files: Files) -> None:
    usage_error(invoke(*command(name, files), "--threads", "-1"), "--threads")


@pytest.mark.parametrize("kind", TRAINERS)
def test_trainer_bad_threads_and_seed_are_usage_errors(kind: str, files: Files, tmp_path: Path) -> None:
    usage_error(invoke(*train_args(kind, files, tmp_path / "m"), "--threads", "-1"), "--threads")
    usage_error(invoke(*train_args(kind, files, tmp_path / "m"), "--seed", "99999999999999999999"), "--seed")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("name", ["couplet", "couplet eval", "title", "title eval", "lm sample", "lm degeneration"])
def test_huge_or_negative_seed_is_a_usage_error_before_loading(name: str, files: Files) -> None:
    seed = "-1" if name == "title eval" else "99999999999999999999"
    usage_error(invoke(*command(name, files), "--seed", seed), "--seed")


OUT_OF_RANGE = {  # command: (option, value), each refused before any model is loaded
    "lm degeneration": [("--batch-size", "0"), ("--context", "0"), ("--limit", "-1"), ("--max-len", "0")],
    "lm sample": [("--max-len", "0"), ("--temperature", "-1"), ("--samples", "0")],
    "couplet": [("--candidates", "0")],
    "couplet eval": [("--examples", "-1")],
    "title": [("--max-len", "0")],
    "title eval": [("--limit", "-1")],
}


@pytest.mark.parametrize(
    ("name", "option", "value"), [(name, *case) for name, cases in OUT_OF_RANGE.items() for case in cases]
)
def test_out_of_range_values_are_usage_errors_before_loading(name: str, option: str, value: str, files: Files) -> None:
    usage_error(invoke(*command(name, files), option, value), option)


TRAINER_OUT_OF_RANGE = {  # trainer: (option, value), each refused before any training
    "lm": [("--epochs", "0"), ("--dropout", "1"), ("--lr", "0")],
    "couplet": [("--batch-size", "0"), ("--dilations", "1,0")],
    "title": [("--max-input", "0"), ("--eval-every", "0")],
}


@pytest.mark.parametrize(
    ("kind", "option", "value"), [(kind, *case) for kind, cases in TRAINER_OUT_OF_RANGE.items() for case in cases]
)
def test_trainer_out_of_range_values_are_usage_errors(
    kind: str, option: str, value: str, files: Files, tmp_path: Path
) -> None:
    usage_error(invoke(*train_args(kind, files, tmp_path / "m"), option, value), option)
    assert not (tmp_path / "m").exists()


# --- 5. --encoding-errors on every reader ---------------------------------------------------------------------------


def with_bad_byte(path: Path, tmp_path: Path) -> Path:
    """A copy of ``path`` with an invalid UTF-8 byte after its first character (3 bytes: one Han
    character, or three ASCII ones); dropping the byte gives the file back."""
    data = path.read_bytes()
    copy = tmp_path / f"bad-{path.name}"
    copy.write_bytes(data[:3] + b"\xff" + data[3:])
    return copy


READERS = ["couplet", "couplet eval", "title", "title eval", "lm eval", "lm sample", "lm degeneration", "lm train"]


def reading(name: str, files: Files, tmp_path: Path) -> list[str | Path]:
    """Command ``name`` reading its input with a bad byte in it."""
    sentences = with_bad_byte(files.sentences, tmp_path)
    commands: dict[str, list[str | Path]] = {
        "couplet": ["couplet", "-m", files.couplet, "-f", with_bad_byte(files.first_lines, tmp_path)],
        "couplet eval": ["couplet", "eval", with_bad_byte(files.pairs, tmp_path), "-m", files.couplet],
        "title": ["title", with_bad_byte(files.articles, tmp_path), "-m", files.title],
        "title eval": ["title", "eval", with_bad_byte(files.stories, tmp_path), "-m", files.title],
        "lm eval": ["lm", "eval", sentences, "-m", files.lm],
        "lm sample": ["lm", "sample", sentences, "-m", files.lm, "--max-len", "3"],
        "lm degeneration": [
            "lm",
            "degeneration",
            sentences,
            "-m",
            files.lm,
            "--context",
            "2",
            "--decoders",
            "greedy",
            "-L",
            "3",
        ],
        "lm train": [sentences if a == files.sentences else a for a in train_args("lm", files, tmp_path / "m")],
    }
    return [*commands[name], "--threads", "1"]


@pytest.mark.parametrize("name", READERS)
def test_undecodable_input_points_to_an_option_that_exists(name: str, files: Files, tmp_path: Path) -> None:
    args = reading(name, files, tmp_path)
    one_line_error(invoke(*args), "invalid UTF-8", "--encoding-errors replace or ignore")
    result = invoke(*args, "--encoding-errors", "ignore")
    assert result.returncode == 0, result.stderr.decode()


# --- 6. decoders ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decoder", "problem"),
    [
        ("beam-0", "--decoder beam-0: beam width must be at least 1"),
        ("topk-0", "--decoder topk-0: k must be at least 1"),
        ("nucleus-2", "--decoder nucleus-2: nucleus p must be above 0 and at most 1"),
        ("best-5", "--decoder 'best-5' is unknown"),
    ],
)
def test_bad_decoder_names_the_problem(decoder: str, problem: str, files: Files) -> None:
    usage_error(invoke("lm", "sample", "-m", MISSING, "--decoder", decoder), problem)
    usage_error(invoke("couplet", "-m", MISSING, "--decoder", decoder, "春风"), problem)


def test_temperature_zero_samples_the_most_probable_tokens(files: Files) -> None:
    contexts = b"the cat\na dog\n"
    base = ["lm", "sample", "-m", files.lm, "--max-len", "6", "--threads", "1"]
    greedy = invoke(*base, stdin=contexts)
    assert greedy.returncode == 0, greedy.stderr
    for decoder in ("ancestral", "topk-3", "nucleus-0.9"):
        cold = invoke(*base, "--decoder", decoder, "--temperature", "0", "--seed", "5", stdin=contexts)
        assert cold.returncode == 0, cold.stderr
        assert cold.stdout == greedy.stdout and len(cold.stdout.splitlines()) == 2
    assert b"0: the most probable token" in b" ".join(invoke("lm", "sample", "--help").stdout.split())


# --- 7. title: --seed, long articles ---------------------------------------------------------------------------------


def test_title_seed_makes_sampled_titles_reproducible(files: Files, tmp_path: Path) -> None:
    articles = tmp_path / "many.txt"
    articles.write_text(files.articles.read_text(encoding="utf-8") * 4, encoding="utf-8")
    base = ["title", articles, "-m", files.title, "--decoder", "ancestral", "--max-len", "8", "--threads", "1"]
    runs = {seed: invoke(*base, "--seed", seed) for seed in ("1", "1", "2")}  # a dict: "1" is run twice
    again = invoke(*base, "--seed", "1")
    assert runs["1"].returncode == 0 and runs["1"].stdout == again.stdout
    assert runs["1"].stdout != runs["2"].stdout  # 8 sampled titles from an untrained model


def test_a_very_long_article_is_titled_from_its_beginning(files: Files, tmp_path: Path) -> None:
    article = tmp_path / "long.txt"
    article.write_text("今天北京下了一场大雪。" * 200_000 + "\n", encoding="utf-8")  # 2 M characters
    short = tmp_path / "short.txt"
    short.write_text("今天北京下了一场大雪。" * 2 + "\n", encoding="utf-8")  # beyond the model's 12
    result = invoke("title", article, "-m", files.title, "--decoder", "greedy", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert b"1 articles were titled from their first 12 characters" in result.stderr
    expected = invoke("title", short, "-m", files.title, "--decoder", "greedy", "--threads", "1")
    assert result.stdout == expected.stdout and len(result.stdout.splitlines()) == 1
    quiet = invoke("title", article, "-m", files.title, "--decoder", "greedy", "--threads", "1", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_title_help_tells_the_input_length_of_the_model() -> None:
    text = b" ".join(invoke("title", "generate", "--help").stdout.split())
    assert b"max_input" in text and b"400" not in text and b"titled from its beginning" in text


# --- 8. one option vocabulary, and report formats ------------------------------------------------------------------

GENERATING = ["-m, --model", "-o, --output", "--format", "--seed", "--threads", "--encoding-errors"]
TRAINING = ["-o, --output", "--force", "--quiet", "--seed", "--threads", "--encoding-errors"]
VOCABULARY = {
    ("couplet", "answer"): GENERATING,
    ("couplet", "eval"): GENERATING,
    ("couplet", "train"): TRAINING,
    ("title", "generate"): [*GENERATING, "--quiet"],
    ("title", "eval"): GENERATING,
    ("title", "train"): TRAINING,
    ("lm", "sample"): GENERATING,
    ("lm", "eval"): [option for option in GENERATING if option != "--seed"],
    ("lm", "degeneration"): [*GENERATING, "--quiet"],
    ("lm", "train"): TRAINING,
}


@pytest.mark.parametrize("words", list(VOCABULARY))
def test_every_generator_command_speaks_the_option_vocabulary(words: tuple[str, str]) -> None:
    result = invoke(*words, "--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    for option in VOCABULARY[words]:
        assert option in text, (words, option)


def test_score_reports_as_json(files: Files, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = invoke("couplet", "eval", files.pairs, "-m", files.couplet, "--format", "json", "--examples", "1",
                       "-o", report, "--threads", "1")  # fmt: skip
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["pairs"] == 3 and 0 <= scores["bleu4"] <= 1 and len(scores["examples"]) == 1
    assert scores["examples"][0]["first"] == PAIRS[0][0]
    result = invoke("title", "eval", files.stories, "-m", files.title, "--format", "json", "--threads", "1")
    assert result.returncode == 0, result.stderr
    systems = json.loads(result.stdout)["systems"]
    assert set(systems) == {"model", "lead-30"} and systems["model"]["titles"] == 2
    result = invoke("lm", "eval", files.sentences, "-m", files.lm, "--format", "json", "--threads", "1")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["sentences"] == len(SENTENCES) and record["perplexity"] > 1


def test_lm_sample_formats_keep_text_working(files: Files) -> None:
    base = ["lm", "sample", "-m", files.lm, "--max-len", "4", "--threads", "1"]
    tsv = invoke(*base, "--format", "tsv", stdin=b"the cat\n")
    text = invoke(*base, "--format", "text", stdin=b"the cat\n")
    assert tsv.returncode == 0 and tsv.stdout == text.stdout and len(tsv.stdout.splitlines()) == 1
    jsonl = invoke(*base, "--format", "jsonl", "-n", "2", stdin=b"the cat\n")
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [r["context"] for r in records] == ["the cat", "the cat"]
