"""Range checks of the generators' configs and training options, in the library: each bad value
raises an OptionError naming the parameter, the shipped models' configs pass, and sampling
and batch sizes are checked where they are used."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from nlptk.decode import Decoding, Hypothesis, sample  # noqa: E402
from nlptk.errors import OptionError  # noqa: E402
from nlptk.seq2seq.couplet.config import CoupletConfig, CoupletTrainOptions  # noqa: E402
from nlptk.seq2seq.couplet.generate import answer_lines  # noqa: E402
from nlptk.seq2seq.couplet.model import CoupletModel  # noqa: E402
from nlptk.seq2seq.lm.config import LMConfig, LMTrainOptions  # noqa: E402
from nlptk.seq2seq.lm.degeneration import continue_prefixes, prefixes  # noqa: E402
from nlptk.seq2seq.lm.model import LanguageModel  # noqa: E402
from nlptk.seq2seq.title.config import TitleConfig, TitleTrainOptions  # noqa: E402
from nlptk.seq2seq.title.generate import generate_titles  # noqa: E402
from nlptk.seq2seq.title.model import TitleModel  # noqa: E402
from nlptk.seq2seq.vocab import EOS, UNK, Vocabulary  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "nlptk" / "data"
WORDS = [EOS, UNK, "a", "b"]


@pytest.mark.parametrize(
    ("make", "parameter"),
    [
        (lambda: LMConfig(WORDS, cell="gru"), "cell"),
        (lambda: LMConfig(WORDS, layers=0), "layers"),
        (lambda: LMConfig(WORDS, hidden=0), "hidden"),
        (lambda: LMConfig(WORDS, hidden=10**20), "hidden"),
        (lambda: LMConfig(WORDS, dropout=1.0), "dropout"),
        (lambda: LMConfig(WORDS, dropout=float("nan")), "dropout"),
        (lambda: LMConfig(WORDS, head="st", epsilon=0.0), "epsilon"),
        (lambda: LMConfig(WORDS, head="other"), "head"),
        (lambda: CoupletConfig(WORDS, dim=0), "dim"),
        (lambda: CoupletConfig(WORDS, dilations=[]), "dilations"),
        (lambda: CoupletConfig(WORDS, dilations=[1, 0]), "dilations"),
        (lambda: CoupletConfig(WORDS, dilations=[1.5]), "dilations"),
        (lambda: CoupletConfig(WORDS, dilations=[float("inf")]), "dilations"),
        (lambda: CoupletConfig(WORDS, kernel=2), "kernel"),
        (lambda: CoupletConfig(WORDS, dilations=[1, 1], attention=[2]), "attention"),
        (lambda: CoupletConfig(WORDS, dim=10, attention=[0]), "dim"),
        (lambda: CoupletConfig(WORDS, decoder=-1), "decoder"),
        (lambda: CoupletConfig(WORDS, max_len=0), "max_len"),
        (lambda: TitleConfig(WORDS, encoder="gru"), "encoder"),
        (lambda: TitleConfig(WORDS, encoder="lstm", encoder_size=7), "encoder_size"),
        (lambda: TitleConfig(WORDS, decoder_size=0), "decoder_size"),
        (lambda: TitleConfig(WORDS, hidden=0), "hidden"),
        (lambda: TitleConfig(WORDS, max_input=0), "max_input"),
        (lambda: TitleConfig(WORDS, max_title=0), "max_title"),
        (lambda: LMTrainOptions(epochs=0), "epochs"),
        (lambda: LMTrainOptions(patience=0), "patience"),
        (lambda: LMTrainOptions(lr=0.0), "lr"),
        (lambda: LMTrainOptions(lr=float("inf")), "lr"),
        (lambda: LMTrainOptions(anneal=1.5), "anneal"),
        (lambda: LMTrainOptions(batch_size=0), "batch_size"),
        (lambda: LMTrainOptions(clip=-1.0), "clip"),
        (lambda: LMTrainOptions(seed=2**32), "seed"),
        (lambda: LMTrainOptions(max_minutes=-1.0), "max_minutes"),
        (lambda: CoupletTrainOptions(anneal=0.0), "anneal"),
        (lambda: CoupletTrainOptions(seed=-1), "seed"),
        (lambda: TitleTrainOptions(eval_every=0), "eval_every"),
        (lambda: TitleTrainOptions(batch_size=-3), "batch_size"),
        (lambda: Vocabulary.build([["a"]], min_count=0), "min_count"),
        (lambda: prefixes([[2, 3, 2]], context=0), "context"),
        (lambda: prefixes([[2, 3, 2]], context=1, limit=-1), "limit"),
    ],
)
def test_bad_values_name_their_parameter(make, parameter: str) -> None:
    with pytest.raises(OptionError) as error:
        make()
    assert error.value.parameter == parameter


def test_shipped_models_pass_the_checks() -> None:
    assert CoupletModel.load(DATA / "couplet").config.max_len == 64
    assert TitleModel.load(DATA / "title").config.max_input == 200


def test_prefixes_limit_keeps_the_first() -> None:
    assert prefixes([[1, 2, 3], [4], [5, 6, 7], [8, 9]], context=1, limit=2) == [[1], [5]]
    assert prefixes([[1, 2, 3], [4], [5, 6, 7]], context=1) == [[1], [5]]


def test_generators_check_seeds_and_sizes_before_decoding() -> None:
    lm = LanguageModel(LMConfig(WORDS, layers=1, hidden=4, dropout=0.0)).eval()
    with pytest.raises(OptionError, match="batch_size"):
        continue_prefixes(lm, [[2]], Decoding(), batch_size=0)
    with pytest.raises(OptionError, match="seed"):
        continue_prefixes(lm, [[2]], Decoding(), seed=2**40)
    couplet = CoupletModel(CoupletConfig([EOS, UNK, "春", "风"], dim=4, dilations=[1], attention=[], decoder=0)).eval()
    with pytest.raises(OptionError, match="candidates"):
        answer_lines(couplet, ["春风"], Decoding(), n=0)
    with pytest.raises(OptionError, match="seed"):
        answer_lines(couplet, ["春风"], Decoding(), seed=-1)
    writer = TitleModel(
        TitleConfig([EOS, UNK, "春"], dim=4, encoder="lstm", encoder_size=4, decoder_size=4, hidden=4)
    ).eval()
    with pytest.raises(OptionError, match="seed"):
        generate_titles(writer, ["春"], Decoding(), seed=2**32)


class Endless:
    """A model that never ends: <eos> (0) has no probability."""

    def step(self, state: object, tokens: torch.Tensor) -> tuple[torch.Tensor, object]:
        return torch.log(torch.tensor([[0.0, 0.5, 0.5]]).expand(len(tokens), -1).clone()), state

    def select(self, state: object, rows: torch.Tensor) -> object:
        return state


def test_sampling_history_grows_past_its_first_block() -> None:
    found: list[Hypothesis] = sample(Endless(), None, torch.tensor([1, 2]), Decoding("greedy", max_len=200), 0)
    assert [len(h.tokens) for h in found] == [200, 200] and not any(h.terminated for h in found)
    assert all(token == 1 for h in found for token in h.tokens)  # the first of the tied tokens
