"""Title generation: data reading, the no-repeat constraint, cached step decoding against teacher
forcing, the copy prior, training, model files and the ``nlptk title`` commands, on tiny models."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import FILE_DAMAGES, assert_stored_exactly, damaged_copy, edit_config, jsonl_records, one_line_error  # noqa: E402
from conftest import invoke as invoke_process  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from nlptk.cli.common import app  # noqa: E402
from nlptk.decode import Decoding, decode  # noqa: E402
from nlptk.decode.constraints import NoRepeatConstraint  # noqa: E402
from nlptk.errors import NlptkError, OptionError  # noqa: E402
from nlptk.seq2seq.title.config import TitleConfig, TitleTrainOptions  # noqa: E402
from nlptk.seq2seq.title.data import Article, clean_article, lead, parse_record, read_articles, read_examples  # noqa: E402
from nlptk.seq2seq.title.evaluation import lead_baseline, repeats_ngram, score_titles  # noqa: E402
from nlptk.seq2seq.title.generate import generate_titles, title_text  # noqa: E402
from nlptk.seq2seq.title.model import TitleDecoder, TitleModel  # noqa: E402
from nlptk.seq2seq.title.train import train_title_model  # noqa: E402
from nlptk.seq2seq.training import kept_metrics  # noqa: E402
from nlptk.seq2seq.vocab import EOS_ID as EOS  # noqa: E402
from nlptk.seq2seq.vocab import UNK_ID as UNK  # noqa: E402
from nlptk.seq2seq.vocab import Vocabulary  # noqa: E402

STORIES = [
    Article("今天北京下了一场大雪，市民纷纷出门赏雪。交通部门提醒注意安全。", "北京迎来大雪"),
    Article("科学家在深海发现一种新的发光鱼类，研究成果发表在期刊上。", "深海发现发光鱼"),
    Article("本市今年粮食产量创历史新高，农民收入明显增加。", "粮食产量创新高"),
]
ARTICLES = [s.text for s in STORIES] + ["雪雪雪雪", "大"]
ENCODERS = [("lstm", True), ("lstm", False), ("conv", True), ("conv", False)]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small_vocabulary() -> Vocabulary:
    """Only some of the articles' characters: the rest are <unk>."""
    return Vocabulary.build(["".join(ARTICLES)[:30]])


def tiny_model(
    encoder: str = "lstm",
    copy_prior: bool = True,
    seed: int = 0,
    vocab: Vocabulary | None = None,
    copy_attention: bool = False,
) -> TitleModel:
    torch.manual_seed(seed)
    config = TitleConfig(
        (vocab or small_vocabulary()).words,
        dim=16,
        encoder=encoder,
        encoder_size=16,
        decoder_size=16,
        hidden=16,
        dilations=[1, 2],
        copy_prior=copy_prior,
        copy_attention=copy_attention,
    )
    return TitleModel(config).eval()


def has_repeated_3gram(tokens: list[int]) -> bool:
    grams = [tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)]
    return len(grams) != len(set(grams))


def teacher_forced(model: TitleModel, article: str, tokens: list[int], terminated: bool) -> float:
    """The log-probability of a title (and its <eos>) given one article, by one full forward pass."""
    ids, mask = model.encode_texts([article], model.config.max_input)
    targets = torch.tensor([[*tokens, EOS] if terminated else tokens])
    previous = torch.cat([torch.full((1, 1), EOS), targets[:, :-1]], dim=1)
    with torch.no_grad():
        log_probs, _ = model.scores(model.encode(ids, mask), previous)
    return float(log_probs.gather(2, targets[..., None]).sum())


# --- data ----------------------------------------------------------------------------------------


def test_lead_cuts_the_first_sentence() -> None:
    assert lead(STORIES[0].text) == "今天北京下了一场大雪，市民纷纷出门赏雪。"
    long = "这是一个很长的句子" * 5 + "。第二句。"
    assert len(long.split("。")[0]) == 45
    assert lead(long) == long[:30]
    assert lead("好消息！大家都来了") == "好消息！"
    assert lead("没有句号的文章") == "没有句号的文章"
    assert lead("一二三四五六。", limit=3) == "一二三"


def test_parse_record() -> None:
    assert parse_record("  今天  下雪\t了 ", None) == Article("今天 下雪 了")
    record = parse_record(json.dumps({"content": "正文\n第二行", "title": "标题"}), "content", "title")
    assert record == Article("正文 第二行", "标题")
    assert parse_record(json.dumps({"content": "正文"}), "content").title == ""
    assert parse_record(json.dumps({"content": "正文", "title": 3}), "content", "title") == Article("正文", "")
    assert parse_record("{broken", "content").error.startswith("not JSON")
    assert parse_record("{broken", "content").text == ""
    assert parse_record(json.dumps({"text": "正文"}), "content").error == "no text field 'content'"
    assert parse_record(json.dumps({"content": 7}), "content").error == "no text field 'content'"
    assert parse_record(json.dumps(["content"]), "content").error == "no text field 'content'"
    assert clean_article("a\n\n b\t c ") == "a b c"


def test_read_articles_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("第一篇\n\n  \n第二篇\n", encoding="utf-8")
    assert [a.text for a in read_articles([str(path)])] == ["第一篇", "第二篇"]


def test_read_examples_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "stories.jsonl"
    records = [
        {"content": "今天 北京\n下雪。", "title": "北京下雪"},
        {"content": "没有标题的文章"},
        {"content": "", "title": "没有正文"},
        {"content": "第二篇文章。", "title": "第二篇", "extra": 1},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert read_examples(str(path)) == [Article("今天 北京 下雪。", "北京下雪"), Article("第二篇文章。", "第二篇")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(records[0]) + "\nnot json\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="record 2: not JSON"):
        read_examples(str(bad))
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"title": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(NlptkError, match="record 1: no text field 'content'"):
        read_examples(str(missing))


def test_read_examples_csl_tsv(tmp_path: Path) -> None:
    path = tmp_path / "csl.tsv"
    path.write_text("提示\t摘要 正文\n第二行\t 论文标题 \n提示\t另一篇摘要\t另一个标题\n", encoding="utf-8")
    with pytest.raises(NlptkError, match=r"csl.tsv:1: expected prompt<TAB>abstract<TAB>title"):
        read_examples(str(path))
    path.write_text("提示\t摘要  正文\t 论文标题 \n提示\t另一篇摘要\t另一个标题\n", encoding="utf-8")
    assert read_examples(str(path)) == [Article("摘要 正文", "论文标题"), Article("另一篇摘要", "另一个标题")]


def test_scoring_helpers() -> None:
    assert repeats_ngram("北京北京北") and not repeats_ngram("北京北海北")
    scores = score_titles(STORIES, [s.title for s in STORIES], [True, True, False])
    assert scores["rouge-1"] == scores["rouge-2"] == scores["rouge-l"] == pytest.approx(1.0)
    assert scores["titles"] == 3 and scores["repeated_3gram"] == 0.0
    assert scores["terminated"] == pytest.approx(2 / 3)
    assert scores["mean_length"] == pytest.approx(20 / 3)
    baseline = lead_baseline(STORIES)
    assert baseline["mean_length"] == pytest.approx(sum(len(lead(s.text)) for s in STORIES) / 3)
    assert "terminated" not in baseline


# --- the no-repeat constraint and generation -----------------------------------------------------


def test_no_repeat_constraint_by_hand() -> None:
    constraint = NoRepeatConstraint(8, end=EOS, forbidden=[UNK])
    rows = torch.arange(3)
    allowed = constraint(2, rows, torch.tensor([[2, 2], [3, 4], [5, 5]]))
    assert allowed.sum(dim=1).tolist() == [7, 7, 7] and not allowed[:, UNK].any()
    history = torch.tensor([[2, 3, 4, 2, 3], [2, 2, 2, 2, 2], [2, 3, 4, 5, 6]])
    allowed = constraint(5, rows, history)
    assert (~allowed[0]).nonzero().flatten().tolist() == [UNK, 4]  # 2 3 → 4 would repeat "2 3 4"
    assert (~allowed[1]).nonzero().flatten().tolist() == [UNK, 2]
    assert (~allowed[2]).nonzero().flatten().tolist() == [UNK]
    assert allowed[:, EOS].all()
    # one prefix followed by two different characters earlier: both are forbidden
    allowed = constraint(7, torch.arange(1), torch.tensor([[6, 7, 2, 6, 7, 3, 6]]))
    assert (~allowed[0]).nonzero().flatten().tolist() == [UNK]
    allowed = constraint(8, torch.arange(1), torch.tensor([[6, 7, 2, 6, 7, 3, 6, 7]]))
    assert (~allowed[0]).nonzero().flatten().tolist() == [UNK, 2, 3]


@pytest.mark.parametrize(("encoder", "copy_prior"), ENCODERS)
def test_unconstrained_untrained_models_repeat(encoder: str, copy_prior: bool) -> None:
    """Without the constraint these tiny models loop on one character: the next test has teeth."""
    model = tiny_model(encoder, copy_prior)
    ids, mask = model.encode_texts(ARTICLES, model.config.max_input)
    start = torch.zeros(len(ARTICLES), dtype=torch.long)
    found = decode(TitleDecoder(model), (model.encode(ids, mask), None), start, Decoding(max_len=30), EOS)
    assert any(has_repeated_3gram(h.tokens) for h in found)


@pytest.mark.parametrize(("encoder", "copy_prior"), ENCODERS)
@pytest.mark.parametrize("decoder", ["greedy", "beam-3", "topk-5"])
def test_titles_never_repeat_a_3gram_or_use_unk(encoder: str, copy_prior: bool, decoder: str) -> None:
    model = tiny_model(encoder, copy_prior)
    hypotheses = generate_titles(model, ARTICLES, Decoding.parse(decoder, max_len=30))
    assert len(hypotheses) == len(ARTICLES)
    for hypothesis in hypotheses:
        assert len(hypothesis.tokens) <= 30
        assert UNK not in hypothesis.tokens and EOS not in hypothesis.tokens
        assert not has_repeated_3gram(hypothesis.tokens)
        assert not repeats_ngram(title_text(model, hypothesis))
        assert hypothesis.terminated or len(hypothesis.tokens) == 30
    assert any(h.tokens for h in hypotheses)


@pytest.mark.parametrize("copy_attention", [False, True])
@pytest.mark.parametrize(("encoder", "copy_prior"), ENCODERS)
def test_step_decoding_equals_teacher_forcing(encoder: str, copy_prior: bool, copy_attention: bool) -> None:
    model = tiny_model(encoder, copy_prior, copy_attention=copy_attention)
    articles = [*ARTICLES[:3], "大"]  # different lengths: padding
    ids, mask = model.encode_texts(articles, model.config.max_input)
    memory = model.encode(ids, mask)
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(2, len(model.vocab), (len(articles), 8), generator=generator)
    previous = torch.cat([torch.full((len(articles), 1), EOS), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        full, _ = model.scores(memory, previous)
        decoder = TitleDecoder(model)
        state, steps = (memory, None), []
        for t in range(previous.shape[1]):
            log_probs, state = decoder.step(state, previous[:, t])
            steps.append(log_probs)
    assert torch.allclose(torch.stack(steps, dim=1), full, atol=1e-5)
    assert torch.allclose(full.exp().sum(-1), torch.ones(full.shape[:2]), atol=1e-5)
    # each article alone (no padding) gives the same log-probabilities
    for row, article in enumerate(articles):
        one_ids, one_mask = model.encode_texts([article], model.config.max_input)
        with torch.no_grad():
            alone, _ = model.scores(model.encode(one_ids, one_mask), previous[row : row + 1])
        assert torch.allclose(alone[0], full[row], atol=1e-5)
    # select() mid-way (reordered, repeated rows, as beams do) keeps following the same prefixes
    rows = torch.tensor([2, 0, 0, 3])
    with torch.no_grad():
        state, steps = (memory, None), []
        for t in range(4):
            log_probs, state = decoder.step(state, previous[:, t])
            steps.append(log_probs)
        state = decoder.select(state, rows)
        steps = [s[rows] for s in steps]
        for t in range(4, previous.shape[1]):
            log_probs, state = decoder.step(state, previous[rows, t])
            steps.append(log_probs)
    assert torch.allclose(torch.stack(steps, dim=1), full[rows], atol=1e-5)


@pytest.mark.parametrize(("encoder", "copy_prior"), ENCODERS)
def test_hypothesis_scores_are_teacher_forced_log_probabilities(encoder: str, copy_prior: bool) -> None:
    model = tiny_model(encoder, copy_prior)
    for decoder in ("greedy", "beam-3"):
        for article, hypothesis in zip(
            ARTICLES, generate_titles(model, ARTICLES, Decoding.parse(decoder, max_len=12)), strict=True
        ):
            expected = teacher_forced(model, article, hypothesis.tokens, hypothesis.terminated)
            assert hypothesis.score == pytest.approx(expected, abs=1e-3)


def test_copy_prior_chi_marks_the_article_characters() -> None:
    model = tiny_model("conv")
    vocab = model.vocab
    texts = [ARTICLES[0], ARTICLES[3], "大大雪", "龘"]
    ids, mask = model.encode_texts(texts, model.config.max_input)
    chi = model.encode(ids, mask).chi
    assert chi.shape == (len(texts), len(vocab))
    assert set(chi.unique().tolist()) <= {0.0, 1.0}
    for row, text in enumerate(texts):
        expected = {vocab.ids[c] for c in text if c in vocab.ids}
        assert set(chi[row].nonzero().flatten().tolist()) == expected
    assert chi[:, EOS].sum() == 0 and chi[:, UNK].sum() == 0  # even with unknown characters and padding
    assert chi[3].sum() == 0
    # only the characters read (the first `limit`) count
    ids, mask = model.encode_texts([ARTICLES[0]], 4)
    chi = model.encode(ids, mask).chi
    assert set(chi[0].nonzero().flatten().tolist()) == {vocab.ids[c] for c in ARTICLES[0][:4] if c in vocab.ids}


@pytest.mark.parametrize("encoder", ["lstm", "conv"])
def test_copy_prior_averages_the_scores_with_scaled_chi(encoder: str) -> None:
    model = tiny_model(encoder, copy_prior=True)
    with torch.no_grad():
        model.prior_log_scale.normal_()
        model.prior_shift.normal_()
        ids, mask = model.encode_texts(ARTICLES, model.config.max_input)
        memory = model.encode(ids, mask)
        previous = torch.randint(0, len(model.vocab), (len(ARTICLES), 5), generator=torch.Generator().manual_seed(2))
        with_prior, _ = model.scores(memory, previous)
        model.config.copy_prior = False
        try:
            plain, _ = model.scores(memory, previous)
        finally:
            model.config.copy_prior = True
    prior = memory.chi * model.prior_log_scale.detach().exp() + model.prior_shift.detach()
    expected = torch.log_softmax((plain + prior[:, None, :]) / 2, dim=-1)  # (y + s⊗χ + t) / 2
    assert torch.allclose(with_prior, expected, atol=1e-5)
    assert not torch.allclose(with_prior, plain, atol=1e-3)


def test_copy_prior_scale_pulls_titles_into_the_article() -> None:
    articles = ARTICLES[:3]
    model = tiny_model("lstm", copy_prior=True, vocab=Vocabulary.build(articles))
    with torch.no_grad():
        model.prior_log_scale.fill_(6.0)  # χ now adds about 200 to the score of every article character
        model.prior_shift[model.vocab.ids["鱼"]] = 100.0  # and 鱼 gets half of that everywhere
    found = generate_titles(model, articles, Decoding(max_len=12))
    for article, hypothesis in zip(articles, found, strict=True):
        assert len(hypothesis.tokens) == 11 and hypothesis.terminated  # ended at the length limit
        assert set(title_text(model, hypothesis)) <= set(article)
    assert "鱼" in title_text(model, found[1])  # in article 2 鱼 has both boosts
    assert not hasattr(tiny_model("lstm", copy_prior=False), "prior_log_scale")


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(OptionError, match="encoder must be one of lstm, conv, not 'gru'"):
        TitleConfig(small_vocabulary().words, encoder="gru")


# --- training and model files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained() -> TitleModel:
    vocab = Vocabulary.build([s.text + s.title for s in STORIES])
    config = TitleConfig(
        vocab.words,
        dim=32,
        encoder="lstm",
        encoder_size=32,
        decoder_size=32,
        hidden=32,
        dilations=[1],
        dropout=0.0,
        copy_attention=False,
    )
    options = TitleTrainOptions(epochs=60, lr=0.02, batch_size=4, eval_every=3, patience=15, min_count=1)
    return train_title_model(config, STORIES * 4, STORIES, options, log=lambda message: None)


@pytest.fixture(scope="module")
def trained_dir(trained: TitleModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("title") / "model"
    trained.save(path)
    return path


def titles_of(model: TitleModel, decoder: str = "greedy") -> list[str]:
    found = generate_titles(model, [s.text for s in STORIES], Decoding.parse(decoder, max_len=30))
    assert all(h.terminated for h in found)
    return [title_text(model, h) for h in found]


def test_tiny_model_overfits(trained: TitleModel) -> None:
    gold = [s.title for s in STORIES]
    assert titles_of(trained) == gold
    assert titles_of(trained, "beam-3") == gold
    record = trained.config.training
    assert kept_metrics(record) == {"rouge-l": 1.0}
    assert record["data"] == {"train": 12, "dev": 3}
    assert record["evaluations"] and all(0.0 <= e["metrics"]["rouge-l"] <= 1.0 for e in record["evaluations"])
    assert not trained.training


def test_save_load_round_trip(trained: TitleModel, trained_dir: Path, tmp_path: Path) -> None:
    loaded = TitleModel.load(trained_dir)
    assert asdict(loaded.config) == asdict(trained.config)
    assert not loaded.training
    assert titles_of(loaded) == titles_of(trained) == [s.title for s in STORIES]
    before = generate_titles(trained, [s.text for s in STORIES], Decoding.parse("beam-3"))
    after = generate_titles(loaded, [s.text for s in STORIES], Decoding.parse("beam-3"))
    for a, b in zip(after, before, strict=True):
        assert a.tokens == b.tokens and a.score == pytest.approx(b.score, abs=0.05)
    assert_stored_exactly(loaded, tmp_path)  # float16, int8 embedding: a second round trip is exact


DAMAGES: dict[str, Callable[[Path], object]] = {
    "other size": lambda d: edit_config(d, decoder_size=8),
    "other encoder": lambda d: edit_config(d, encoder="conv"),
    "no copy prior": lambda d: edit_config(d, copy_prior=False),  # unexpected prior weights
    "unknown encoder": lambda d: edit_config(d, encoder="gru"),
    "couplet format": lambda d: edit_config(d, format="nlptk-couplet"),
    "unknown field": lambda d: edit_config(d, colour="red"),
    **FILE_DAMAGES,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_load_wrong_model_directory_raises(trained_dir: Path, tmp_path: Path, damage: str) -> None:
    with pytest.raises(NlptkError, match="title model"):
        TitleModel.load(damaged_copy(trained_dir, tmp_path, DAMAGES[damage]))
    with pytest.raises(NlptkError, match="not a title model"):
        TitleModel.load(tmp_path / "missing")


# --- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def invoke(*args: str | Path, stdin: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin)


def write_jsonl(path: Path, stories: list[Article]) -> Path:
    lines = [json.dumps({"content": s.text, "title": s.title}, ensure_ascii=False) for s in stories]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_titles_jsonl_from_stdin_with_bad_records(trained_dir: Path) -> None:
    stdin = "\n".join(
        [
            json.dumps({"content": STORIES[0].text}, ensure_ascii=False),
            "this is not json",
            json.dumps({"body": STORIES[1].text}, ensure_ascii=False),
            json.dumps({"content": STORIES[2].text, "title": "ignored"}, ensure_ascii=False),
            json.dumps({"content": "   "}),
        ]
    )
    args = ("title", "-m", trained_dir, "--field", "content", "--threads", "1")
    result = invoke(*args, "--format", "jsonl", stdin=stdin + "\n")
    assert result.exit_code == 1
    assert isinstance(result.exception, NlptkError) and "3 of 5" in str(result.exception)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["article"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0] == {"article": 1, "title": STORIES[0].title, "terminated": True}
    assert records[3] == {"article": 4, "title": STORIES[2].title, "terminated": True}
    assert records[1]["error"].startswith("not JSON") and "title" not in records[1]
    assert records[2]["error"] == "no text field 'content'"
    assert records[4]["error"] == "empty article"
    assert "article 2" in result.stderr and "article 3" in result.stderr and "article 5" in result.stderr
    # tsv: one line per record, empty for the bad ones
    result = invoke(*args, stdin=stdin)
    assert result.exit_code == 1
    assert result.stdout == f"{STORIES[0].title}\n\n\n{STORIES[2].title}\n\n"


def test_cli_titles_plain_lines_from_a_file(trained_dir: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles.txt"
    articles.write_text("".join(s.text + "\n" for s in STORIES), encoding="utf-8")
    result = invoke("title", "generate", articles, "-m", trained_dir, "--decoder", "greedy", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [s.title for s in STORIES]
    # --max-len cuts the titles
    args = ["-m", trained_dir, "--max-len", "3", "--decoder", "greedy", "--threads", "1", "--format", "jsonl"]
    result = invoke("title", articles, *args)
    records = jsonl_records(result)
    assert [r["title"] for r in records] == [s.title[:2] for s in STORIES]  # ended at the limit: 2 characters
    assert all(r["terminated"] for r in records)


def test_cli_eval_prints_model_and_lead_rows(trained_dir: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "test.jsonl", STORIES)
    result = invoke("title", "eval", data, "-m", trained_dir, "--threads", "1", "--examples", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == [
        "system", "titles", "rouge-1", "rouge-2", "rouge-l", "mean_length", "repeated_3gram", "terminated"
    ]  # fmt: skip
    model_row, lead_row = lines[1].split("\t"), lines[2].split("\t")
    assert model_row == ["model", "3", "1.0000", "1.0000", "1.0000", "6.7", "0.0000", "1.0000"]
    baseline = lead_baseline(STORIES)
    assert lead_row[:5] == ["lead-30", "3"] + [f"{baseline[k]:.4f}" for k in ("rouge-1", "rouge-2", "rouge-l")]
    assert lead_row[-1] == "-"
    assert 0 < baseline["rouge-1"] < 1
    assert lines[3] == f"example\t{STORIES[0].title}\t{lead(STORIES[0].text)}\t{STORIES[0].title}"
    assert len(lines) == 4


def test_cli_eval_on_csl_tsv_with_limit(trained_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "csl.tsv"
    data.write_text("".join(f"p\t{s.text}\t{s.title}\n" for s in STORIES), encoding="utf-8")
    result = invoke("title", "eval", data, "-m", trained_dir, "--threads", "1", "--limit", "2", "--decoder", "greedy")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("model\t2\t1.0000\t1.0000\t1.0000")


@pytest.mark.parametrize(("encoder", "copy_prior"), [("lstm", "--copy-prior"), ("conv", "--no-copy-prior")])
def test_cli_train_writes_a_loadable_model(tmp_path: Path, encoder: str, copy_prior: str) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", STORIES)
    dev = write_jsonl(tmp_path / "dev.jsonl", STORIES[:2])
    output = tmp_path / "model"
    result = invoke(
        "title", "train", train, "--dev", dev, "-o", output, "--encoder", encoder, copy_prior,
        "--dim", "8", "--encoder-size", "8", "--decoder-size", "8", "--hidden", "8", "--dilations", "1,2",
        "--min-count", "1", "--epochs", "1", "--batch-size", "2", "--eval-every", "1", "--max-title", "10",
        "--no-bf16", "--threads", "1", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    model = TitleModel.load(output)
    assert model.config.encoder == encoder and model.config.copy_prior == (copy_prior == "--copy-prior")
    assert (model.config.dim, model.config.decoder_size, model.config.max_title) == (8, 8, 10)
    record = model.config.training
    assert record["data"] == {"train": 3, "dev": 2}
    assert len(record["evaluations"]) == 2  # two batches, evaluated after each
    assert record["train_files"] == [str(train)] and record["dev_file"] == str(dev)
    for hypothesis in generate_titles(model, [STORIES[0].text], Decoding(max_len=10)):
        assert not has_repeated_3gram(hypothesis.tokens) and UNK not in hypothesis.tokens


def test_cli_train_refuses_an_unknown_encoder(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", STORIES)
    result = invoke("title", "train", train, "--dev", train, "-o", tmp_path / "m", "--encoder", "gru")
    assert result.exit_code == 2 and "'gru' is not one of 'lstm', 'conv'" in result.output
    assert not (tmp_path / "m").exists()


def test_cli_missing_model_is_a_one_line_error(tmp_path: Path) -> None:
    articles = tmp_path / "a.txt"
    articles.write_text("今天北京下了一场大雪。\n", encoding="utf-8")
    result = invoke_process("title", articles, "-m", tmp_path / "missing", "--threads", "1")
    one_line_error(result, "not a title model")


def test_cli_empty_input_is_a_one_line_error(trained_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    one_line_error(invoke_process("title", empty, "-m", trained_dir), "no articles")


def test_copy_attention_puts_mass_only_on_article_characters_when_the_gate_copies() -> None:
    model = tiny_model("conv", copy_prior=False, copy_attention=True)
    with torch.no_grad():
        model.copy_gate.bias.fill_(-50.0)  # g ≈ 0: copy only
        model.copy_gate.weight.zero_()
        article = ARTICLES[0]
        memory = model.encode(*model.encode_texts([article], model.config.max_input))
        log_probs, _ = model.scores(memory, torch.tensor([[EOS, 2, 3]]))
    present = set(model.vocab.encode(article))
    probs = log_probs.exp()[0]
    assert torch.allclose(probs.sum(-1), torch.ones(3), atol=1e-5)
    outside = [i for i in range(len(model.vocab)) if i not in present]
    assert float(probs[:, outside].sum()) < 1e-6
