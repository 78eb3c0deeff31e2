"""Issue 20 in count, ngrams, newwords and minent: nothing lost, no traceback, one option vocabulary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import invoke, one_line_error, out, random_chinese, usage_error

from nlptk.errors import OptionError
from nlptk.lexicon import Lexicon
from nlptk.minent import MinentConfig, TemplateConfig, UnitCorpus
from nlptk.minent.build import saving_state
from nlptk.minent.parse import read_templates
from nlptk.newwords import DiscoveryConfig, WordSelection
from nlptk.ngrams import NgramCounter, NgramTable, count_to_table

nlptk = invoke


@pytest.fixture(scope="module")
def table(corpus: Path) -> Path:
    path = corpus.parent / "t.ngt"
    out(nlptk("count", corpus, "-o", path, "--quiet"))
    return path


# -- 1. minent lexicon: --state checked before any work, nothing written on a failure ----------


def test_lexicon_state_in_a_missing_directory_writes_nothing(tmp_path: Path, corpus: Path) -> None:
    target = tmp_path / "out.txt"
    state = tmp_path / "nodir" / "s.st"
    usage_error(nlptk("minent", "lexicon", corpus, "--state", state, "-o", target), "--state", "does not exist")
    assert not target.exists()
    result = nlptk("minent", "lexicon", corpus, "--state", state)
    usage_error(result, "--state")
    assert result.stdout == b""  # not the lexicon, then the error
    usage_error(nlptk("minent", "lexicon", corpus, "--state", tmp_path), "--state", "is a directory")
    assert sorted(os.listdir(tmp_path)) == []


def test_saving_state_changes_nothing_when_the_block_fails(tmp_path: Path) -> None:
    state = tmp_path / "s.st"
    old = UnitCorpus.empty()
    old.add_text(["北京大学"])
    old.save(state)
    grown = UnitCorpus.empty()
    grown.add_text(["北京大学，人工智能"])
    with pytest.raises(RuntimeError), saving_state(grown, state):
        raise RuntimeError("the output failed")
    assert UnitCorpus.load(state).chars == 4
    assert os.listdir(tmp_path) == ["s.st"]  # no temporary file left
    with saving_state(grown, state):
        assert UnitCorpus.load(state).chars == 4  # put in place only when the block ends
    assert UnitCorpus.load(state).chars == 8


# -- 2. damaged tables --------------------------------------------------------------------------


def test_truncated_table_is_a_one_line_error(tmp_path: Path, table: Path) -> None:
    truncated = tmp_path / "truncated.ngt"
    data = table.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    one_line_error(nlptk("ngrams", truncated, "宝玉"), str(truncated), "damaged or truncated")
    one_line_error(nlptk("ngrams", truncated), "damaged or truncated")


def test_garbage_tables_are_one_line_errors(tmp_path: Path, table: Path) -> None:
    garbage = tmp_path / "garbage.ngt"
    garbage.write_bytes(os.urandom(4096))
    one_line_error(nlptk("ngrams", garbage, "宝玉"), str(garbage), "not an nlptk n-gram table")
    header = tmp_path / "header.ngt"
    header.write_bytes(b"NLPTKNG1" + (13).to_bytes(8, "little") + b'{"order": 99}' + bytes(100))
    one_line_error(nlptk("ngrams", header, "宝玉"), str(header), "damaged")
    huge = tmp_path / "huge.ngt"
    huge.write_bytes(b"NLPTKNG1" + b"\xff" * 8)
    one_line_error(nlptk("ngrams", huge, "宝玉"), str(huge), "damaged or truncated")
    # A sound header over garbage data: lookups give numbers, a listing refuses the ids.
    body = bytearray(table.read_bytes())
    first_array = min(
        spec[name]["offset"]
        for spec in _header(table)["arrays"].values()
        for name in ("keys", "counts")
        if spec[name]["shape"][0]
    )
    body[first_array:] = b"\xff" * (len(body) - first_array)
    scrambled = tmp_path / "scrambled.ngt"
    scrambled.write_bytes(bytes(body))
    one_line_error(nlptk("ngrams", scrambled), "damaged n-gram table")


def _header(path: Path) -> dict:
    data = path.read_bytes()
    length = int.from_bytes(data[8:16], "little")
    return json.loads(data[16 : 16 + length])


# -- 3. numeric options are checked by the library's configs -------------------------------------


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: DiscoveryConfig(memory=0), "memory"),
        (lambda: DiscoveryConfig(memory=1 << 19), "memory must be at least 1M"),
        (lambda: DiscoveryConfig(order=1), "order"),
        (lambda: DiscoveryConfig(min_count=0), "min_count"),
        (lambda: DiscoveryConfig(thresholds=()), "thresholds"),
        (lambda: DiscoveryConfig(latin="keep"), "latin"),
        (lambda: DiscoveryConfig(max_neighbour_share=1.5), "max_neighbour_share"),
        (lambda: NgramCounter(memory=0), "memory"),
        (lambda: NgramCounter(order=9), "order"),
        (lambda: WordSelection(top=-5), "top"),
        (lambda: WordSelection(max_len=-1), "max_len"),
        (lambda: WordSelection(min_len=5, max_len=2), "max_len"),
        (lambda: MinentConfig(min_prob=0), "min_prob"),
        (lambda: MinentConfig(min_prob=1), "min_prob"),
        (lambda: MinentConfig(max_rounds=0), "max_rounds"),
        (lambda: MinentConfig(min_pmi=float("nan")), "min_pmi"),
        (lambda: MinentConfig(penalty=-1), "penalty"),
        (lambda: MinentConfig(heldout_every=1), "heldout_every"),
        (lambda: MinentConfig(top=-1), "top"),
        (lambda: TemplateConfig(window=0), "window"),
        (lambda: TemplateConfig(min_count=0), "min_count"),
        (lambda: TemplateConfig(min_prob=1.0), "min_prob"),
        (lambda: TemplateConfig(top=-1), "top"),
    ],
)
def test_configs_refuse_bad_values(make, needle: str) -> None:
    with pytest.raises(OptionError, match=needle):
        make()


def test_count_to_table_checks_before_reading(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.txt")  # the option is refused before the input is looked at
    for kwargs, needle in (({"memory": 0}, "memory"), ({"min_count": 0}, "min_count"), ({"order": 0}, "order")):
        with pytest.raises(OptionError, match=needle):
            count_to_table([missing], tmp_path / "t.ngt", **kwargs)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["count", "{corpus}", "-o", "{tmp}/t.ngt", "--memory", "0"], "--memory"),
        (["count", "{corpus}", "-o", "{tmp}/t.ngt", "--order", "9"], "--order"),
        (["count", "{corpus}", "-o", "{tmp}/t.ngt", "--min-count", "0"], "--min-count"),
        (["count", "{tmp}/missing.txt", "-o", "{tmp}/t.ngt", "--order", "0"], "--order"),
        (["ngrams", "{table}", "--order", "5"], "--order must be between 1 and 4"),
        (["ngrams", "{table}", "--order", "-1"], "--order"),
        (["minent", "lexicon", "{corpus}", "--top", "-1"], "--top"),
        (["minent", "lexicon", "{corpus}", "--min-pmi", "nan"], "--min-pmi"),
        (["minent", "lexicon", "{corpus}", "--penalty", "-1"], "--penalty"),
        (["minent", "templates", "{corpus}", "--min-count", "0"], "--min-count"),
        (["minent", "templates", "{corpus}", "--top", "-2"], "--top"),
        (["minent", "templates", "{corpus}", "--min-prob", "1"], "--min-prob"),
    ],
)
def test_bad_values_are_usage_errors(tmp_path: Path, corpus: Path, table: Path, args: list[str], needle: str) -> None:
    filled = [a.format(corpus=corpus, tmp=tmp_path, table=table) for a in args]
    usage_error(nlptk(*filled), needle)
    assert os.listdir(tmp_path) == []


# -- 4. templates and lexicon files -------------------------------------------------------------


def test_template_line_without_a_tab(tmp_path: Path) -> None:
    path = tmp_path / "templates.tsv"
    path.write_text("X和X\t10\n请问X\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"templates\.tsv: line 2: not 'template<TAB>count'"):
        read_templates(path)
    for text in ("X和X\t10\t3\n", "X和X\t0\n", "X和X\t-3\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(Exception, match="line 1"):
            read_templates(path)
    lines = tmp_path / "in.txt"
    lines.write_text("雪梨和苹果\n", encoding="utf-8")
    path.write_text("X和X\t10\n请问X\n", encoding="utf-8")
    one_line_error(nlptk("minent", "parse", "--templates", path, lines), str(path), "line 2")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "holds no words"),
        ("\n  \n", "holds no words"),
        ("北京 3\n广州 12 ns extra more\n", "line 2: 5 fields"),
        ("北京 3.5\n", "line 1: frequency '3.5'"),
        ("北京 -3\n", "line 1: frequency '-3'"),
    ],
)
def test_bad_lexicon_files(tmp_path: Path, corpus: Path, text: str, needle: str) -> None:
    path = tmp_path / "lex.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match=needle):
        Lexicon.load(path)
    one_line_error(nlptk("newwords", corpus, "--min-count", "5", "--exclude", path), str(path), needle)
    one_line_error(nlptk("minent", "entropy", corpus, "--lexicon", path), str(path), needle)
    one_line_error(nlptk("segment", "--lexicon", path, stdin="北京".encode()), str(path), needle)


# -- 5. single characters ------------------------------------------------------------------------


def test_single_characters_have_entropies_and_no_cohesion(corpus: Path) -> None:
    tsv = out(nlptk("newwords", corpus, "--min-len", "1", "--min-count", "3")).splitlines()
    assert "nan" not in "\n".join(tsv)
    singles = [line.split("\t") for line in tsv if len(line.split("\t")[0]) == 1]
    assert singles
    for _word, count, cohesion, left, right, score in singles:
        assert cohesion == score == "" and float(left) >= 0 and float(right) >= 0 and int(count) >= 3
    for record in map(json.loads, out(nlptk("newwords", corpus, "--min-len", "1", "--format", "jsonl")).splitlines()):
        if len(record["word"]) == 1:
            assert record["cohesion"] is None
            assert isinstance(record["left_entropy"], float) and isinstance(record["right_entropy"], float)
        else:
            assert isinstance(record["cohesion"], float)
    assert "empty field" in out(nlptk("newwords", "--help"))


# -- 6. listings do not depend on how the table was counted -------------------------------------


def test_listing_is_the_same_whatever_the_memory(tmp_path: Path) -> None:
    # Over 1 MB, read in chunks of 256 KiB with --memory 1M and in one with 1G; characters keep
    # turning up for the first time in later chunks, so their ids differ between the two tables.
    text = "\n".join(random_chinese(4000, seed=s, alphabet=200 + 40 * s) for s in range(100)) + "\n"
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > 1 << 20
    small, big = tmp_path / "small.ngt", tmp_path / "big.ngt"
    out(nlptk("count", path, "-o", small, "--memory", "1M", "--order", "3", "--quiet"))
    out(nlptk("count", path, "-o", big, "--memory", "1G", "--order", "3", "--quiet"))
    assert NgramTable.load(small).vocab.to_list() != NgramTable.load(big).vocab.to_list()
    for args in ([], ["--order", "2"], ["--prefix", text[0]], ["--order", "3", "--min-count", "2"]):
        listed = out(nlptk("ngrams", small, *args))
        assert listed == out(nlptk("ngrams", big, *args)), args
        grams = [line.split("\t")[0] for line in listed.splitlines()]
        assert grams == sorted(grams, key=lambda g: (len(g), g))  # shortest first, then code points


# -- 7, 8. --header, --format, -o --------------------------------------------------------------


def test_headers_name_the_columns(tmp_path: Path, corpus: Path, table: Path) -> None:
    words = out(nlptk("newwords", corpus, "--min-count", "5", "--header")).splitlines()
    assert words[0] == "word\tcount\tcohesion\tleft_entropy\tright_entropy\tscore"
    assert words[1:] == out(nlptk("newwords", corpus, "--min-count", "5")).splitlines()
    listed = out(nlptk("ngrams", table, "北京", "--header")).splitlines()
    assert listed == ["ngram\tcount", f"北京\t{corpus.read_text(encoding='utf-8').count('北京')}"]
    assert out(nlptk("ngrams", table, "北京", "--header", "--format", "jsonl")).startswith('{"ngram"')
    lexicon = out(nlptk("minent", "lexicon", corpus, "--min-prob", "1e-4", "--quiet", "--header", "--top", "3"))
    assert lexicon.splitlines()[0] == "word count" and len(lexicon.splitlines()) == 4
    templates = out(nlptk("minent", "templates", corpus, "--header", "--min-count", "1", "--top", "2"))
    assert templates.splitlines()[0] == "template\tcount"


def test_formats_and_outputs(tmp_path: Path, corpus: Path, table: Path) -> None:
    target = tmp_path / "ngrams.jsonl"
    assert out(nlptk("ngrams", table, "--prefix", "北京", "--format", "jsonl", "-o", target)) == ""
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert records[0] == {"ngram": "北京", "count": corpus.read_text(encoding="utf-8").count("北京")}
    usage_error(nlptk("ngrams", table, "-o", tmp_path / "no" / "x.tsv"), "--output")
    lexicon = out(nlptk("minent", "lexicon", corpus, "--min-prob", "1e-4", "--quiet", "--format", "jsonl"))
    first = json.loads(lexicon.splitlines()[0])
    assert set(first) == {"word", "count"} and first["count"] > 0
    entropy = tmp_path / "entropy.jsonl"
    assert out(nlptk("minent", "entropy", corpus, "--format", "jsonl", "-o", entropy)) == ""
    [row] = [json.loads(line) for line in entropy.read_text(encoding="utf-8").splitlines()]
    assert row["units"] == "characters" and row["L"] == pytest.approx(row["H"] / row["l"], abs=1e-3)
