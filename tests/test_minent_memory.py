"""``nlptk minent lexicon --memory``: induction in blocks gives the lexicon of induction in one piece."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import run_nlptk, usage_error
from test_minent import corpus_of, decoded, zipf_corpus

import nlptk.minent.corpus as corpus_module
import nlptk.minent.induction as induction
from nlptk.errors import OptionError
from nlptk.minent import MinentConfig, UnitCorpus, induce_lexicon
from nlptk.minent.induction import block_size, induction_rounds

_, TEXT = zipf_corpus(seed=3, sentences=4000, max_words=9, comma_rate=0.2)
CONFIG = MinentConfig.compounds(min_prob=1e-4, max_rounds=4, heldout_every=10)  # rounds that merge words
TINY = 1 << 20  # the smallest budget: blocks of MIN_BLOCK ids


@pytest.fixture(scope="module")
def corpus() -> UnitCorpus:
    return corpus_of(TEXT)


def test_a_tiny_budget_cuts_the_corpus_in_many_blocks(corpus: UnitCorpus) -> None:
    blocks = induction._fragment_blocks(corpus.ids, block_size(TINY, corpus))
    assert len(blocks) > 5
    assert len(induction._fragment_blocks(corpus.ids, block_size(MinentConfig().memory, corpus))) == 1


def test_blocks_start_and_end_at_separators_and_cover_the_corpus() -> None:
    ids = np.array([0, 1, 2, 0, 3, 3, 3, 3, 3, 3, 0, 4, 0, 5, 5], dtype=np.int32)
    blocks = induction._fragment_blocks(ids, 3)
    assert blocks[0][0] == 0 and blocks[-1][1] == len(ids)
    for (_, stop), (start, _) in itertools.pairwise(blocks):
        assert start == stop - 1 and ids[start] == 0  # consecutive blocks share one separator
    assert any(start < 4 and stop > 10 for start, stop in blocks)  # the fragment longer than 3 ids, whole


def test_induction_in_blocks_gives_the_same_lexicon_and_rounds(corpus: UnitCorpus) -> None:
    whole = induce_lexicon(corpus, CONFIG)
    blocked = induce_lexicon(corpus, MinentConfig(**{**CONFIG.__dict__, "memory": TINY}))
    assert len(whole.rounds) >= 2
    assert blocked.words == whole.words
    assert blocked.rounds == whole.rounds
    assert blocked.characters == whole.characters and blocked.heldout_characters == whole.heldout_characters


def test_induction_in_place_gives_the_same_lexicon_and_leaves_the_counted_text(corpus: UnitCorpus) -> None:
    before = corpus.ids.copy()
    whole = induce_lexicon(corpus, CONFIG)
    assert np.array_equal(corpus.ids, before)  # not in place: the corpus is left alone
    consumed = UnitCorpus(list(corpus.units), corpus.ids.copy())
    in_place = induce_lexicon(consumed, MinentConfig(**{**CONFIG.__dict__, "memory": TINY}), in_place=True)
    assert in_place.words == whole.words and in_place.rounds == whole.rounds
    assert np.array_equal(consumed.ids, corpus.split_heldout(CONFIG.heldout_every)[0].ids)


def test_every_round_merges_the_corpus_alike_in_blocks_of_a_few_ids(
    corpus: UnitCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = MinentConfig.compounds(min_prob=1e-4, max_rounds=3, heldout_every=0)
    whole = list(induction_rounds(corpus, config))
    monkeypatch.setattr(induction, "MIN_BLOCK", 5)  # shorter than most fragments
    monkeypatch.setattr(corpus_module, "COUNT_BLOCK", 7)
    blocked = list(induction_rounds(corpus, MinentConfig(**{**config.__dict__, "memory": TINY})))
    assert [stats for stats, _ in blocked] == [stats for stats, _ in whole]
    for (_, a), (_, b) in zip(blocked, whole, strict=True):
        assert a.units == b.units
        assert np.array_equal(a.ids, b.ids)


def test_heldout_split_in_blocks_matches_the_split_in_one_piece(
    corpus: UnitCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reference(ids: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
        fragment = np.cumsum(ids == 0)
        held = (fragment % every == 0) & (ids != 0)
        return squeeze(np.where(held, 0, ids)), squeeze(np.where(held, ids, 0))

    def squeeze(ids: np.ndarray) -> np.ndarray:
        keep = np.ones(len(ids), dtype=bool)
        keep[1:] = (ids[1:] != 0) | (ids[:-1] != 0)
        return ids[keep]

    monkeypatch.setattr(corpus_module, "COUNT_BLOCK", 11)
    rest, held = corpus.split_heldout(7)
    want_rest, want_held = reference(corpus.ids, 7)
    assert np.array_equal(rest.ids, want_rest) and np.array_equal(held.ids, want_held)
    assert rest.ids.dtype == held.ids.dtype == np.int32


def test_text_read_in_many_chunks_is_the_text_read_at_once() -> None:
    text = TEXT[:20000]
    chunks = [text[i : i + 37] for i in range(0, len(text), 37)]  # some end in a fragment, some between
    assert decoded(corpus_of(*chunks)) == decoded(corpus_of(text))
    grown = corpus_of(text)
    grown.add_text(["\n\n", text])  # a separator run where the old ids end and the new begin
    assert decoded(grown) == decoded(corpus_of(text + "\n" + text))


def test_the_config_checks_the_budget() -> None:
    for bad in (0, -5, 1000):
        with pytest.raises(OptionError, match="memory"):
            MinentConfig(memory=bad)


def test_cli_lexicon_is_byte_identical_at_any_budget(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    outputs = {}
    for memory in ("1G", "1M"):
        target = tmp_path / f"lexicon-{memory}.txt"
        args = ("--units", "compounds", "--min-prob", "1e-4", "-q", "--memory", memory, "-o", target)
        result = run_nlptk("minent", "lexicon", source, *args)
        assert result.returncode == 0, result.stderr
        outputs[memory] = (target.read_bytes(), result.stderr.decode("utf-8"))
    assert outputs["1M"][0] == outputs["1G"][0] and outputs["1G"][0].count(b"\n") > 10
    assert outputs["1G"][1] == ""
    warning = outputs["1M"][1].splitlines()
    assert len(warning) == 1 and warning[0].startswith("nlptk: warning: --memory 1M is below")


def test_cli_rejects_a_bad_budget(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT[:1000], encoding="utf-8")
    usage_error(run_nlptk("minent", "lexicon", source, "--memory", "0"), "--memory")
    usage_error(run_nlptk("minent", "lexicon", source, "--memory", "lots"), "--memory")
    usage_error(run_nlptk("minent", "lexicon", source, "--memory", "100k"), "--memory")
