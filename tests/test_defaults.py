"""One source of defaults: every option of a trainer or generator command that sets a library
setting has the library's default, so a shell user and a Python user get the same model."""

from __future__ import annotations

import dataclasses
from enum import Enum

import pytest
import typer

from nlptk.cli import app
from nlptk.cli.settings import default_of
from nlptk.decode.decoding import Decoding
from nlptk.seq2seq.couplet.config import ANSWER_DECODER, CoupletConfig, CoupletTrainOptions
from nlptk.seq2seq.lm.config import LMConfig, LMTrainOptions
from nlptk.seq2seq.options import FitOptions
from nlptk.seq2seq.title.config import TITLE_DECODER, TITLE_MAX_LEN, TitleConfig, TitleTrainOptions
from nlptk.tagging.config import TaggerShape, TrainOptions

# command path -> the settings its options fill, and options named differently from their field
COMMANDS = {
    ("couplet", "train"): ([CoupletConfig, CoupletTrainOptions], {"decoder_size": "decoder"}),
    ("title", "train"): ([TitleConfig, TitleTrainOptions], {}),
    ("lm", "train"): ([LMConfig, LMTrainOptions], {}),
    ("tag", "train"): ([TaggerShape, TrainOptions], {"evaluations": "evaluations_per_epoch"}),
}
NOT_SETTINGS = {"output", "force", "threads", "encoding_errors", "quiet", "train", "dev", "train_in", "train_out"}
NOT_SETTINGS |= {"holdout", "task", "init_from", "pretrain_chars", "seed"}  # seed: 0 everywhere, checked below


def _command(path: tuple[str, ...]) -> typer.core.TyperCommand:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def _default(configs: list[type], name: str) -> object:
    """The library's default of setting ``name``, from the first of ``configs`` that has it."""
    config = next((c for c in configs if name in {f.name for f in dataclasses.fields(c)}), None)
    assert config is not None, f"no library setting {name}"
    return default_of(config, name)


def _as_setting(value: object, like: object) -> object:
    """A command-line default in the form of the library's (enums by value, lists from text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(like, list) and isinstance(value, str):
        parts = [part for part in value.split(",") if part]
        return [type(like[0])(part) if like else part for part in parts] if like else parts
    return value


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_trainer_options_default_to_the_library_settings(path: tuple[str, ...]) -> None:
    configs, renamed = COMMANDS[path]
    checked = 0
    for param in _command(path).params:
        if param.name in NOT_SETTINGS or param.name is None:
            continue
        field = renamed.get(param.name, param.name)
        expected = _default(configs, field)
        assert _as_setting(param.default, expected) == expected, f"{' '.join(path)} --{param.name}"
        checked += 1
    assert checked >= 8  # the shape and the training loop's settings, at least


def test_every_trainer_extends_the_training_loop_settings() -> None:
    # The trainers' options override some of the loop's defaults; the others are the loop's own.
    loop = {f.name: f for f in dataclasses.fields(FitOptions)}
    for options in (CoupletTrainOptions, TitleTrainOptions, LMTrainOptions, TrainOptions):
        assert issubclass(options, FitOptions)
        own = {f.name: f for f in dataclasses.fields(options)}
        assert set(loop) <= set(own)
        assert own["seed"].default == loop["seed"].default == 0


@pytest.mark.parametrize(
    ("path", "option", "expected"),
    [
        (("couplet", "answer"), "decoder", ANSWER_DECODER),
        (("couplet", "eval"), "decoder", ANSWER_DECODER),
        (("title", "generate"), "decoder", TITLE_DECODER),
        (("title", "generate"), "max_len", TITLE_MAX_LEN),
        (("title", "eval"), "decoder", TITLE_DECODER),
        (("title", "eval"), "max_len", TITLE_MAX_LEN),
        (("lm", "sample"), "decoder", Decoding().name),
        (("lm", "sample"), "max_len", Decoding().max_len),
        (("lm", "sample"), "temperature", Decoding().temperature),
    ],
)
def test_generator_options_default_to_the_library_settings(
    path: tuple[str, ...], option: str, expected: object
) -> None:
    params = {p.name: p for p in _command(path).params}
    assert params[option].default == expected


def test_generators_decode_by_those_defaults_from_python() -> None:
    torch = pytest.importorskip("torch")
    from nlptk.seq2seq.couplet.generate import answer_lines
    from nlptk.seq2seq.couplet.model import CoupletModel
    from nlptk.seq2seq.title.data import Article
    from nlptk.seq2seq.title.generate import title_articles
    from nlptk.seq2seq.title.model import TitleModel

    torch.manual_seed(0)
    chars = [*CoupletConfig().chars, *"春风夏雨秋月冬雪"]
    couplet = CoupletModel(CoupletConfig(chars, dim=8, dilations=[1], attention=[], decoder=8)).eval()
    firsts = ["春风", "夏雨秋月"]
    given = answer_lines(couplet, firsts, Decoding.parse(ANSWER_DECODER), n=2)
    assert [a.candidates for a in answer_lines(couplet, firsts, n=2)] == [a.candidates for a in given]
    writer = TitleModel(TitleConfig(chars, dim=8, encoder_size=8, dilations=[1], decoder_size=8, hidden=8)).eval()
    articles = [Article("春风夏雨"), Article("秋月冬雪春风")]
    given = title_articles(writer, articles, Decoding.parse(TITLE_DECODER, max_len=TITLE_MAX_LEN))
    assert title_articles(writer, articles) == given
