"""CRF correctness against brute force, tag-scheme constraints, and a tiny model that overfits."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nlptk.errors import NlptkError, OptionError  # noqa: E402
from nlptk.seq2seq.training import kept_metrics  # noqa: E402
from nlptk.tagging.config import TaggerShape, TrainOptions  # noqa: E402
from nlptk.tagging.crf import CRF  # noqa: E402
from nlptk.tagging.data import Example, chunk_example  # noqa: E402
from nlptk.tagging.evaluation import evaluate_tagger  # noqa: E402
from nlptk.tagging.model import Tagger, chunk_text  # noqa: E402
from nlptk.tagging.schemes import TagScheme, spans, word_tags  # noqa: E402
from nlptk.tagging.train import train_tagger  # noqa: E402

BMES = TagScheme.from_tags(["B", "M", "E", "S"])
BIO = TagScheme.from_tags(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])


def random_crf(scheme: TagScheme, seed: int) -> CRF:
    crf = CRF(*scheme.constraint_arrays())
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return crf


@torch.no_grad()
def brute_force(crf: CRF, emissions: torch.Tensor, length: int) -> tuple[float, list[int]]:
    """log Z and the best path by enumerating every tag sequence of ``length``."""
    k = crf.num_tags
    scores = []
    paths = list(itertools.product(range(k), repeat=length))
    for path in paths:
        tags = torch.tensor([path])
        mask = torch.ones(1, length, dtype=torch.bool)
        scores.append(float(crf.path_score(emissions[:, :length], tags, mask)))
    log_z = float(torch.logsumexp(torch.tensor(scores), 0))
    return log_z, list(paths[int(np.argmax(scores))])


@pytest.mark.parametrize("scheme", [BMES, BIO], ids=["bmes", "bio"])
@pytest.mark.parametrize("seed", range(4))
def test_log_partition_and_viterbi_equal_brute_force(scheme: TagScheme, seed: int) -> None:
    crf = random_crf(scheme, seed)
    generator = torch.Generator().manual_seed(100 + seed)
    lengths = [1, 2, 3, 4]
    emissions = torch.randn(len(lengths), max(lengths), crf.num_tags, generator=generator)
    mask = torch.tensor([[t < n for t in range(max(lengths))] for n in lengths])
    log_z = crf.log_partition(emissions, mask)
    best = crf.viterbi(emissions, mask)
    for row, n in enumerate(lengths):
        expected_z, expected_path = brute_force(crf, emissions[row : row + 1], n)
        assert math.isclose(float(log_z[row].detach()), expected_z, rel_tol=1e-5, abs_tol=1e-4)
        assert best[row].tolist() == expected_path


@pytest.mark.parametrize("scheme", [BMES, BIO], ids=["bmes", "bio"])
def test_viterbi_never_returns_an_illegal_sequence(scheme: TagScheme) -> None:
    crf = CRF(*scheme.constraint_arrays())
    generator = torch.Generator().manual_seed(7)
    # Emissions that push hard towards illegal tags (inside tags everywhere).
    emissions = torch.randn(64, 12, crf.num_tags, generator=generator) * 10
    inside = [i for i, t in enumerate(scheme.tags) if t[0] in "IME"]
    emissions[:, :, inside] += 20
    mask = torch.ones(64, 12, dtype=torch.bool)
    mask[::3, 7:] = False
    for path in crf.viterbi(emissions, mask):
        assert scheme.is_valid([scheme.tags[i] for i in path])


def test_scheme_rules() -> None:
    assert BMES.is_valid(["B", "M", "E", "S", "B", "E"])
    assert not BMES.is_valid(["M", "E"])  # cannot start inside a word
    assert not BMES.is_valid(["B", "S"])  # a word must be closed
    assert not BMES.is_valid(["S", "B"])  # nor left open at the end
    assert BIO.is_valid(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"])
    assert not BIO.is_valid(["O", "I-PER"])
    assert not BIO.is_valid(["B-PER", "I-LOC"])


def test_tags_and_spans_round_trip() -> None:
    tags = word_tags([2, 1, 3])
    assert tags == ["B", "E", "S", "B", "M", "E"]
    assert spans(tags) == [(0, 2, ""), (2, 3, ""), (3, 6, "")]
    assert spans(["O", "B-PER", "I-PER", "O", "B-LOC"]) == [(1, 3, "PER"), (4, 5, "LOC")]
    assert spans(word_tags([1, 2], ["NOUN", "VERB"])) == [(0, 1, "NOUN"), (1, 3, "VERB")]


def test_chunking_keeps_every_character_and_cuts_at_word_boundaries() -> None:
    text = "今天天气很好。我们去公园散步吧！" * 20
    pieces = chunk_text(text, 30)
    assert "".join(pieces) == text
    assert all(len(p) <= 30 for p in pieces)
    example = Example("".join(["北京大学"] * 30), tuple(word_tags([4] * 30)))
    chunks = chunk_example(example, 50)
    assert "".join(c.text for c in chunks) == example.text
    assert all(BMES.is_valid(list(c.tags)) for c in chunks)


SENTENCES = [
    "我们 在 北京大学 学习 人工智能",
    "北京大学 的 学生 喜欢 机器学习",
    "人工智能 改变 世界",
    "我们 喜欢 北京",
    "学生 在 公园 散步",
]


def tiny_examples() -> list[Example]:
    return [Example("".join(s.split()), tuple(word_tags(len(w) for w in s.split()))) for s in SENTENCES]


def test_tiny_model_overfits_and_round_trips(tmp_path: Path) -> None:
    examples = tiny_examples()
    shape = TaggerShape(dim=32, char_dim=16, bigram_dim=8, dilations=[1, 2], dropout=0.0)
    options = TrainOptions(epochs=60, patience=60, batch_chars=200, lr=1e-2, min_char_count=1, min_bigram_count=1)
    model = train_tagger("seg", examples, examples, shape, options, log=lambda _: None)
    assert evaluate_tagger(model, examples)["f1"] == 1.0
    model.save(tmp_path / "m")
    again = Tagger.load(tmp_path / "m")
    assert again.predict([e.text for e in examples]) == model.predict([e.text for e in examples])
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert config["task"] == "seg" and kept_metrics(config["training"])["f1"] == 1.0


def test_weight_average_is_the_mean_of_what_it_saw() -> None:
    from nlptk.seq2seq.training import _WeightAverage

    examples = tiny_examples()
    shape = TaggerShape(dim=8, char_dim=4, bigram_dim=0, dilations=[1], dropout=0.0)
    options = TrainOptions(epochs=1, batch_chars=200, min_char_count=1, min_bigram_count=1)
    model = train_tagger("seg", examples, examples, shape, options, log=lambda _: None)
    average = _WeightAverage()
    seen = []
    for scale in (1.0, 2.0, 6.0):
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.mul_(scale)
        seen.append({k: v.clone() for k, v in model.state_dict().items()})
        average.add(model)
    mean = average.state(model.state_dict())
    weight = "output.weight"
    assert torch.allclose(mean[weight], sum(s[weight] for s in seen) / 3)
    assert mean[weight].dtype == seen[0][weight].dtype
    assert torch.equal(mean["crf.trans_penalty"], seen[0]["crf.trans_penalty"])  # fixed buffers stay


def test_averaged_training_keeps_the_better_of_average_and_best(tmp_path: Path) -> None:
    examples = tiny_examples()
    shape = TaggerShape(dim=16, char_dim=8, bigram_dim=4, dilations=[1, 2], dropout=0.0)
    options = TrainOptions(
        epochs=30, patience=30, batch_chars=200, lr=1e-2, min_char_count=1, min_bigram_count=1, average=True
    )
    logged: list[str] = []
    model = train_tagger("seg", examples, examples, shape, options, log=logged.append)
    assert any(line.startswith("average of 30 evaluated weights") for line in logged)
    training = model.config.training
    assert kept_metrics(training)["f1"] == pytest.approx(evaluate_tagger(model, examples)["f1"])  # the kept weights
    singles = [float(line.rsplit("f1 ", 1)[1].split()[0]) for line in logged if line.startswith("epoch")]
    assert len(singles) == 30
    if training["best"]["averaged"]:
        assert kept_metrics(training)["f1"] > max(singles) - 1e-4
    else:
        assert kept_metrics(training)["f1"] == pytest.approx(max(singles), abs=1e-4)  # logged to 4 places


def test_loading_a_wrong_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NlptkError, match="not a tagger model"):
        Tagger.load(tmp_path)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "weights.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(NlptkError, match="cannot load"):
        Tagger.load(tmp_path)


def test_dictionary_flags_mark_every_match_within_its_text() -> None:
    from nlptk.tagging.features import DictionaryMatcher

    matcher = DictionaryMatcher.of((w, "n") for w in ["北京", "北京大学", "大学生", "人工智能", "生人"])
    flags = matcher.flags("北京大学生人工智能北", np.array([0, 5, 10]))
    begin, inside, end = (flags[:, i].astype(int).tolist() for i in range(3))
    assert begin == [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert inside == [0, 1, 1, 1, 0, 0, 1, 1, 0, 0]
    assert end == [0, 1, 0, 1, 1, 0, 0, 0, 1, 0]  # 生人 crosses the join of the two texts: no match


def test_dictionary_matches_are_every_occurrence_of_every_word() -> None:
    from nlptk.tagging.features import DictionaryMatcher

    rng = random.Random(0)
    alphabet = "北京大学生人工智能长江😀"
    for _ in range(50):
        words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(0, 30))}
        matcher = DictionaryMatcher.of((w, "") for w in words)
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        start, stop, _ = matcher.matches(text)
        expected = {(i, j) for i in range(len(text)) for j in range(i + 2, len(text) + 1) if text[i:j] in words}
        assert set(zip(start.tolist(), stop.tolist(), strict=True)) == expected
        assert len(start) == len(expected)


def test_dictionary_tag_groups_get_their_own_flags() -> None:
    from nlptk.tagging.features import DictionaryMatcher

    entries = [("北京", "ns"), ("北京大学", "nt"), ("大学生", "n"), ("王小明", "nr"), ("小明", "nrfg")]
    matcher = DictionaryMatcher.of(entries, tag_groups=("nr", "ns"))
    assert matcher.width == 9
    flags = matcher.flags("北京大学生王小明", np.array([0, 8])).astype(int)
    assert flags[:, 0].tolist() == [1, 0, 1, 0, 0, 1, 1, 0]  # every word
    assert flags[:, 3].tolist() == [0, 0, 0, 0, 0, 1, 1, 0]  # nr group: 王小明 and 小明 begin
    assert flags[:, 5].tolist() == [0, 0, 0, 0, 0, 0, 0, 1]
    assert flags[:, 6].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]  # ns group: 北京 only
    assert flags[:, 8].tolist() == [0, 1, 0, 0, 0, 0, 0, 0]


def test_pretrained_char_vectors_group_characters_of_like_contexts() -> None:
    from nlptk.tagging.pretrain import char_vectors, frequent_chars

    lines = ["张三说好", "李三说好", "王三说好", "北京市大", "南京市大", "东京市大"] * 20
    chars = frequent_chars(lines, min_count=5, limit=100)
    assert set(chars) == set("张李王三说好北南东京市大")
    vectors = char_vectors(lines, chars, dim=4)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = {(a, b): float(unit[chars.index(a)] @ unit[chars.index(b)]) for a in "张李北" for b in "王南"}
    assert sim[("张", "王")] > sim[("张", "南")] and sim[("李", "王")] > sim[("李", "南")]
    assert sim[("北", "南")] > sim[("北", "王")]


def test_dictionary_words_listed_twice_belong_to_both_groups() -> None:
    from nlptk.tagging.features import DictionaryMatcher

    matcher = DictionaryMatcher.of([("北京", "ns"), ("北京", "nt"), ("上海", "ns")], tag_groups=("ns", "nt"))
    flags = matcher.flags("北京上海", np.array([0, 4])).astype(int)
    assert flags[:, 3].tolist() == [1, 0, 1, 0]  # ns: both
    assert flags[:, 6].tolist() == [1, 0, 0, 0]  # nt: 北京 only


NER_SENTENCES = [("张三在北京", "PER PER O LOC LOC"), ("李四去上海", "PER PER O LOC LOC")]
NER_SENTENCES += [("张三去上海", "PER PER O LOC LOC"), ("王五在南京", "PER PER O LOC LOC")]


def ner_examples() -> list[Example]:
    def bio(kinds: str) -> tuple[str, ...]:
        tags, previous = [], "O"
        for kind in kinds.split():
            tags.append("O" if kind == "O" else ("I-" if kind == previous else "B-") + kind)
            previous = kind
        return tuple(tags)

    return [Example(text, bio(kinds)) for text, kinds in NER_SENTENCES]


def test_entity_folds_flag_only_the_other_folds_entities() -> None:
    from nlptk.tagging.train import _entity_folds

    examples = ner_examples()
    folds, matchers, entities = _entity_folds(examples, 2)
    assert [[e.text for e in f] for f in folds] == [["张三在北京", "李四去上海"], ["张三去上海", "王五在南京"]]
    assert ("北京", "LOC") in entities and ("王五", "PER") in entities and len(entities) == 6
    assert matchers[0].width == 9  # any entity, LOC, PER: begin/inside/end each
    # Fold 0 sees the entities of fold 1 only: 张三 and 上海, not 北京 or 李四.
    begins = matchers[0].flags("张三在北京李四去上海", np.array([0, 5, 10]))[:, 0].astype(int).tolist()
    assert begins == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    begins = matchers[1].flags("王五在南京", np.array([0, 5]))[:, 0].astype(int).tolist()
    assert begins == [0, 0, 0, 0, 0]  # 王五 and 南京 are fold 1's own
    for count in (1, 5):
        with pytest.raises(NlptkError, match="entity_folds must be between 2 and"):
            _entity_folds(examples, count)


def test_entity_flags_start_with_zero_weight_and_survive_saving(tmp_path: Path) -> None:
    from nlptk.tagging.train import _entity_folds, _with_entity_flags

    examples = ner_examples()
    shape = TaggerShape(dim=16, char_dim=8, bigram_dim=4, dilations=[1], dropout=0.0, dictionary="")
    options = TrainOptions(epochs=3, batch_chars=200, lr=1e-2, min_char_count=1, min_bigram_count=1)
    plain = train_tagger("ner", examples, examples, shape, options, log=lambda _: None).eval()
    texts = [e.text for e in examples] + ["王五去北京"]
    flagged = _with_entity_flags(plain, _entity_folds(examples, 2)[2]).eval()
    assert flagged.featurizer.word_dim == plain.featurizer.word_dim + 9
    assert flagged.predict(texts) == plain.predict(texts)  # the new inputs start with zero weight
    flagged.save(tmp_path / "m")
    again = Tagger.load(tmp_path / "m")
    assert again.config.entities == flagged.config.entities and ["王五", "PER"] in again.config.entities
    assert again.featurizer.encode(["王五"]).words[0, :, -3].tolist() == [1, 0]  # PER group: begins at 王
    with pytest.raises(NlptkError, match="entity_folds must be given"):
        train_tagger("ner", examples, examples, shape, options, log=lambda _: None, initial=again)


def test_a_model_keeps_the_dictionary_words_it_was_trained_with(tmp_path: Path) -> None:
    from nlptk.tagging.features import DictionaryMatcher
    from nlptk.tagging.runtime import NumpyTagger

    words = tmp_path / "words.txt"
    words.write_text("北京 10 ns\n上海 10 ns\n", encoding="utf-8")
    examples = ner_examples()
    shape = TaggerShape(dim=16, char_dim=8, bigram_dim=4, dilations=[1], dropout=0.0, dictionary=str(words))
    options = TrainOptions(epochs=2, batch_chars=200, lr=1e-2, min_char_count=1, min_bigram_count=1)
    model = train_tagger("ner", examples, examples, shape, options, log=lambda _: None).eval()
    model.save(tmp_path / "m")
    words.write_text("南京 10 ns\n", encoding="utf-8")  # the list changes after training: the model does not
    DictionaryMatcher.open.cache_clear()
    texts = [e.text for e in examples]
    for loaded in (Tagger.load(tmp_path / "m"), NumpyTagger.load(tmp_path / "m")):
        flags = loaded.featurizer.encode(["王五去北京南京"]).words[0, :, 0].astype(int).tolist()
        assert flags == [0, 0, 0, 1, 0, 0, 0]  # 北京 begins at 3; 南京 was not in the list trained with
        assert loaded.predict(texts) == model.predict(texts)


def test_training_with_entity_folds_fits_tiny_data() -> None:
    examples = ner_examples() * 3
    shape = TaggerShape(dim=16, char_dim=8, bigram_dim=4, dilations=[1, 2], dropout=0.0)
    options = TrainOptions(
        epochs=40, patience=40, batch_chars=100, lr=1e-2, min_char_count=1, min_bigram_count=1, entity_folds=2
    )
    logged: list[str] = []
    model = train_tagger("ner", examples, examples, shape, options, log=logged.append)
    assert "6 training entities flagged; 2 folds see only the others'" in logged
    assert len(model.config.entities) == 6 and model.config.training["options"]["entity_folds"] == 2
    assert evaluate_tagger(model, examples)["f1"] == 1.0


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"dim": 0}, "dim"),
        ({"char_dim": 0}, "char_dim"),
        ({"bigram_dim": -1}, "bigram_dim"),
        ({"dropout": 1.0}, "dropout"),
        ({"max_len": 0}, "max_len"),
        ({"kernel": 2}, "kernel"),
        ({"dilations": []}, "dilations"),
        ({"dilations": [1, 0]}, "dilations"),
        ({"task": "parse"}, "task"),
    ],
)
def test_tagger_config_refuses_bad_shapes(changes: dict, parameter: str) -> None:
    from nlptk.errors import OptionError
    from nlptk.tagging.config import TaggerConfig

    with pytest.raises(OptionError) as caught:
        TaggerConfig(task=changes.pop("task", "seg"), tags=[], chars=[], **changes)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"epochs": 0}, "epochs"),
        ({"patience": 0}, "patience"),
        ({"batch_chars": 0}, "batch_chars"),
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr_decay": 1.5}, "lr_decay"),
        ({"seed": 2**64}, "seed"),
        ({"threads": -1}, "threads"),
        ({"max_minutes": -1.0}, "max_minutes"),
        ({"evaluations_per_epoch": 0}, "evaluations"),
        ({"entity_folds": 1}, "entity_folds"),
    ],
)
def test_train_options_refuse_bad_values(changes: dict, parameter: str) -> None:
    from nlptk.errors import OptionError

    with pytest.raises(OptionError) as caught:
        TrainOptions(**changes)
    assert caught.value.parameter == parameter


def test_chunking_refuses_a_zero_length_instead_of_looping() -> None:
    from nlptk.errors import OptionError

    example = Example("北京大学", tuple(word_tags([4])))
    with pytest.raises(OptionError, match="max_len"):
        chunk_example(example, 0)
    with pytest.raises(OptionError, match="max_len"):
        chunk_text("北京大学" * 100, 0)


def standard_examples(sentences: list[str], standard: int) -> list[Example]:
    return [Example("".join(s.split()), tuple(word_tags(len(w) for w in s.split())), standard) for s in sentences]


# Standard "coarse" keeps compounds whole, "fine" splits them, on the same texts.
COARSE = ["我们 在 北京大学 学习 人工智能", "北京大学 的 学生 喜欢 机器学习", "人工智能 改变 世界"]
FINE = ["我们 在 北京 大学 学习 人工 智能", "北京 大学 的 学生 喜欢 机器 学习", "人工 智能 改变 世界"]


def test_two_standards_segment_the_same_text_as_their_data_does() -> None:
    from nlptk.tagging.segmenter import segment_texts

    examples = standard_examples(COARSE, 0) + standard_examples(FINE, 1)
    shape = TaggerShape(dim=32, char_dim=16, bigram_dim=8, dilations=[1, 2], dropout=0.0, standards=["coarse", "fine"])
    options = TrainOptions(epochs=80, patience=80, batch_chars=200, lr=1e-2, min_char_count=1, min_bigram_count=1)
    model = train_tagger("seg", examples, examples, shape, options, log=lambda _: None)
    texts = ["".join(s.split()) for s in COARSE]
    assert [" ".join(w) for w in segment_texts(model, texts, standard="coarse")] == COARSE
    assert [" ".join(w) for w in segment_texts(model, texts, standard="fine")] == FINE
    scores = model.config.training["best"]["metrics"]
    assert scores["f1_coarse"] == scores["f1_fine"] == scores["f1"] == 1.0  # each standard scored by itself
    with pytest.raises(OptionError, match="'ctb' is not one this model knows \\(one of: coarse, fine\\)"):
        model.standard_index("ctb")


def test_standard_sampling_keeps_a_small_corpus_in_every_epoch() -> None:
    import random

    from nlptk.tagging.train import _sample_standards

    big = standard_examples(["甲 乙"] * 900, 0)
    small = standard_examples(["丙 丁"] * 9, 1)
    drawn = _sample_standards(big + small, 0.5, random.Random(0))
    shares = [sum(e.standard == s for e in drawn) for s in (0, 1)]
    assert sum(shares) == len(big + small)
    assert shares[1] == round(909 * 3 / 33)  # √9 / (√900 + √9) of the epoch, not 1%
    assert _sample_standards(big, 0.5, random.Random(0)) == big  # one standard: the pieces as they are
