"""End-to-end tests of the ``nlptk`` command, run as a subprocess (``python -m nlptk``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    PLANTED,
    one_line_error,
    out,
    random_chinese,
    run_nlptk,
    small_corpus,
    usage_error,
    write_repeated_line,
)

from nlptk.io import atomic_output

EXT_B = "\U00020000"  # 𠀀
EXT_B2 = "\U00020001"  # 𠀁
EMOJI = "\U0001f600"  # 😀


nlptk = run_nlptk


@pytest.fixture(scope="module")
def expected_words(corpus: Path) -> str:
    """``nlptk newwords CORPUS --min-count 5`` on the plain LF, BOM-less corpus."""
    words = out(nlptk("newwords", corpus, "--min-count", "5"))
    assert set(PLANTED) <= {line.split("\t")[0] for line in words.splitlines()}
    return words


# -- bad inputs: one line on stderr, exit 1 --------------------------------------------------


@pytest.mark.parametrize("command", ["newwords", "segment", "count"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "missing.txt"
    extra = ["-o", str(tmp_path / "t.tbl")] if command == "count" else []
    one_line_error(nlptk(command, missing, *extra), str(missing), "no such file")


def test_missing_glob(tmp_path: Path) -> None:
    one_line_error(nlptk("newwords", tmp_path / "*.nothing"), "no file matches")


@pytest.mark.parametrize("command", ["newwords", "segment"])
def test_directory(tmp_path: Path, command: str) -> None:
    one_line_error(nlptk(command, tmp_path), str(tmp_path), "is a directory")


def test_invalid_utf8_names_file_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    good = "北京大学\nabc人工智能\n".encode()
    path.write_bytes(good + "机器".encode() + b"\xff" + "学习\n第四行\n".encode())
    offset = len(good) + len("机器".encode())
    for command in (["newwords"], ["count", "-o", str(tmp_path / "t.tbl")], ["segment"]):
        line = one_line_error(nlptk(*command, path), str(path), "line 3", f"byte offset {offset}")
        assert "0xff" in line
    assert not (tmp_path / "t.tbl").exists()


def test_invalid_utf8_offset_across_read_blocks(tmp_path: Path) -> None:
    """The offset stays exact when the file is read in many blocks that split characters."""
    path = tmp_path / "bad.txt"
    text = random_chinese(300_000, seed=1, punct_rate=0.0)
    lines = [text[i : i + 997] for i in range(0, len(text), 997)]
    good = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(good + "中".encode() + b"\xc3\x28" + "文\n".encode())
    offset = len(good) + 3
    # --memory 1M reads blocks of 64 KiB: 65,536 is not a multiple of 3, so blocks split characters.
    one_line_error(nlptk("newwords", path, "--memory", "1M"), f"line {len(lines) + 1}", f"byte offset {offset}", "0xc3")


@pytest.mark.parametrize("mode", ["replace", "ignore"])
def test_encoding_errors_can_proceed(tmp_path: Path, corpus: Path, mode: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(corpus.read_bytes() + b"\xff\xfe bad \x80\n" + corpus.read_bytes())
    result = nlptk("newwords", path, "--min-count", "5", "--encoding-errors", mode)
    assert "北京大学" in out(result).split()
    table = tmp_path / "t.tbl"
    out(nlptk("count", path, "-o", table, "--encoding-errors", mode, "--quiet"))
    assert out(nlptk("ngrams", table, "北京大学")) == f"北京大学\t{2 * corpus.read_text().count('北京大学')}\n"


def test_empty_input_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    one_line_error(nlptk("newwords", empty), "no text")
    one_line_error(nlptk("count", empty, "-o", tmp_path / "t.tbl"), "no text")
    assert not (tmp_path / "t.tbl").exists()


def test_empty_stdin() -> None:
    one_line_error(nlptk("newwords", "-", stdin=b""), "no text")
    one_line_error(nlptk("newwords", "-", stdin=b"\n\n  \n"), "no text")


def test_input_without_words(tmp_path: Path) -> None:
    """Only punctuation, spaces and symbols: nothing to count, said clearly."""
    path = tmp_path / "punct.txt"
    path.write_text(f"，。！ \n？{EMOJI}\n...\n", encoding="utf-8")
    one_line_error(nlptk("newwords", path), "no text")
    one_line_error(nlptk("newwords", "-", stdin=path.read_bytes()), "no text")
    one_line_error(nlptk("count", path, "-o", tmp_path / "t.tbl"), "no text")
    assert not (tmp_path / "t.tbl").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--min-count", "0"], "--min-count"),
        (["--memory", "lots"], "memory"),
        (["--thresholds", "a,b"], "--thresholds"),
        (["--order", "1"], "order"),
        (["--order", "9"], "order"),
        (["--memory", "0"], "--memory"),
        (["--memory", "512K"], "--memory must be at least 1M"),
        (["--top", "-5"], "--top"),
        (["--max-len", "-1"], "--max-len"),
        (["--min-len", "0"], "--min-len"),
        (["--min-len", "5", "--max-len", "2"], "--max-len (2) must not be below min-len (5)"),
        (["--thresholds", "2,nan"], "--thresholds"),
    ],
)
def test_bad_option_values(corpus: Path, args: list[str], needle: str) -> None:
    usage_error(nlptk("newwords", corpus, *args), needle)


def test_output_into_missing_directory(tmp_path: Path, corpus: Path) -> None:
    target = tmp_path / "no" / "such" / "out.tsv"
    usage_error(nlptk("newwords", corpus, "--min-count", "5", "-o", target), "does not exist")


def test_ngrams_on_a_file_that_is_not_a_table(tmp_path: Path, corpus: Path) -> None:
    one_line_error(nlptk("ngrams", corpus, "北京"), "not an nlptk n-gram table")
    one_line_error(nlptk("ngrams", tmp_path / "missing.tbl", "北京"), "no such n-gram table")


def test_usage_error_exits_2(corpus: Path) -> None:
    result = nlptk("newwords", corpus, "--no-such-option")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert nlptk().returncode in (0, 2)  # no arguments: help
    assert b"Traceback" not in nlptk().stderr


# -- unusual but valid inputs -----------------------------------------------------------------


def test_fifty_megabyte_line(tmp_path: Path) -> None:
    """A 50 MB line without any newline is read in blocks, within a 256 MB budget."""
    path = tmp_path / "line.txt"
    write_repeated_line(path, 50_000_000, seed=11)
    assert b"\n" not in path.read_bytes()[-1000:]
    result = nlptk("newwords", path, "--memory", "256M", "--min-count", "5", "--quiet", timeout=300)
    path.unlink()
    rows = [line.split("\t") for line in out(result).splitlines()]
    assert rows and all(len(row) == 6 for row in rows)
    block = random_chinese(1 << 18, 11)  # the line is this block, repeated
    assert all(row[0] in block + block for row in rows)  # words of the text (one may span two repeats)
    assert all(int(row[1]) >= 5 for row in rows)  # --min-count
    scores = [float(row[5]) for row in rows]
    assert scores == sorted(scores, reverse=True)  # the default order: the best evidenced first


def test_nul_bytes_are_separators(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes("北京\x00大学\x00\x00北京".encode() + b"\x00\n")
    table = tmp_path / "t.tbl"
    out(nlptk("count", path, "-o", table, "--quiet"))
    assert out(nlptk("ngrams", table, "北京", "京大", "大学")) == "北京\t2\n京大\t0\n大学\t1\n"
    with_nul = tmp_path / "corpus_nul.txt"
    with_nul.write_bytes(small_corpus().replace("，", "\x00").encode())
    assert "北京大学" in out(nlptk("newwords", with_nul, "--min-count", "5")).split()


def test_crlf_and_bom_give_the_same_output(tmp_path: Path, corpus: Path, expected_words: str) -> None:
    text = corpus.read_text(encoding="utf-8")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    cr = tmp_path / "cr.txt"
    cr.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r").encode())
    assert out(nlptk("newwords", crlf, "--min-count", "5")) == expected_words
    assert out(nlptk("newwords", "-", "--min-count", "5", stdin=cr.read_bytes())) == expected_words
    lines = "\n".join(text.splitlines()[:20]) + "\n"
    lexicon = tmp_path / "lex.txt"
    lexicon.write_text("".join(f"{w} 10\n" for w in PLANTED), encoding="utf-8")
    segmented = out(nlptk("segment", "--lexicon", lexicon, stdin=lines.encode()))
    bom_crlf = b"\xef\xbb\xbf" + lines.replace("\n", "\r\n").encode()
    assert out(nlptk("segment", "--lexicon", lexicon, stdin=bom_crlf)) == segmented
    assert "\r" not in segmented and "\ufeff" not in segmented
    assert len(segmented.splitlines()) == 20


def test_astral_characters_are_single_characters(tmp_path: Path) -> None:
    path = tmp_path / "astral.txt"
    text = f"{EXT_B}{EXT_B2}是字，{EXT_B}{EXT_B2}{EXT_B}。{EXT_B}{EMOJI}{EXT_B2}\n北京{EMOJI}{EMOJI}北京\n"
    path.write_text(text, encoding="utf-8")
    table = tmp_path / "t.tbl"
    out(nlptk("count", path, "-o", table, "--quiet"))
    # The emoji separates fragments, so 𠀀😀𠀁 does not count as 𠀀𠀁.
    queries = [EXT_B + EXT_B2, EXT_B, EXT_B2 + EXT_B, EMOJI, f"{EXT_B}{EXT_B2}是字"]
    expected = [f"{q}\t{n}" for q, n in zip(queries, [2, 4, 1, 0, 1], strict=True)]
    assert out(nlptk("ngrams", table, *queries)).splitlines() == expected
    listed = dict(line.split("\t") for line in out(nlptk("ngrams", table, "--prefix", EXT_B)).splitlines())
    assert listed == {
        EXT_B: "4",
        EXT_B + EXT_B2: "2",
        EXT_B + EXT_B2 + "是": "1",
        EXT_B + EXT_B2 + EXT_B: "1",
        EXT_B + EXT_B2 + "是字": "1",
    }
    jsonl = [json.loads(line) for line in out(nlptk("ngrams", table, "--order", "1", "--format", "jsonl")).splitlines()]
    assert {r["ngram"]: r["count"] for r in jsonl} == {EXT_B: 4, EXT_B2: 3, "是": 1, "字": 1, "北": 2, "京": 2}
    lexicon = tmp_path / "lex.txt"
    lexicon.write_text(f"北京 5\n{EXT_B}{EXT_B2} 3\n", encoding="utf-8")
    words = out(nlptk("segment", "--lexicon", lexicon, stdin=f"{EXT_B}{EMOJI}北京{EXT_B}{EXT_B2}\n".encode())).split()
    assert words == [EXT_B, EMOJI, "北京", EXT_B + EXT_B2]


def test_stdin_and_multiple_inputs(tmp_path: Path, corpus: Path, expected_words: str) -> None:
    expected = expected_words
    assert out(nlptk("newwords", "-", "--min-count", "5", stdin=corpus.read_bytes())) == expected
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "a.txt").write_text("".join(lines[:1234]), encoding="utf-8")
    (tmp_path / "b.txt").write_text("".join(lines[1234:]), encoding="utf-8")
    assert out(nlptk("newwords", tmp_path / "a.txt", tmp_path / "b.txt", "--min-count", "5")) == expected
    assert out(nlptk("newwords", tmp_path / "*.txt", "--min-count", "5")) == expected


# -- pipes and interruption -------------------------------------------------------------------


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text(random_chinese(400_000, seed=5), encoding="utf-8")
    full = out(nlptk("newwords", path, "--min-count", "2"))
    assert len(full.encode()) > 1 << 17  # far more than a pipe buffer holds
    command = f"set -o pipefail; {sys.executable} -m nlptk newwords {path} --min-count 2 | head -1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
    assert result.stderr == b""
    assert result.returncode == 0
    assert result.stdout.decode() == full.splitlines(keepends=True)[0]


def _interrupt_newwords(tmp_path: Path, big: Path, target: Path, sig: int) -> subprocess.CompletedProcess[bytes]:
    """Start ``newwords BIG -o target``, send ``sig`` once counting has begun, and wait."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nlptk", "newwords", str(big), "-o", str(target), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 30
    while not any(p.name.startswith("nlptk-") for p in tmpdir.iterdir()):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert list(tmpdir.iterdir()) == [], "temporary files left behind"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """20 MB of text: newwords takes a few seconds on it, time enough to be interrupted."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    write_repeated_line(path, 20_000_000, seed=13)
    yield path
    path.unlink()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_no_output(tmp_path: Path, big: Path, sig: int) -> None:
    work = tmp_path / "work"
    work.mkdir()
    target = work / "out.tsv"
    result = _interrupt_newwords(tmp_path, big, target, sig)
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr
    assert os.listdir(work) == []  # neither out.tsv nor .out.tsv.*.tmp

    target.write_text("earlier results\n", encoding="utf-8")
    result = _interrupt_newwords(tmp_path, big, target, sig)
    assert result.returncode != 0
    assert os.listdir(work) == ["out.tsv"]
    assert target.read_text(encoding="utf-8") == "earlier results\n"


def test_atomic_output_keeps_the_old_file_on_interrupt(tmp_path: Path) -> None:
    """An interrupt while the output is being written: the old file stays, no temporary file."""
    target = tmp_path / "out.tsv"
    target.write_text("earlier results\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as handle:
        handle.write("partial\n" * 1000)
        handle.flush()
        assert len(os.listdir(tmp_path)) == 2  # the temporary file beside the target
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["out.tsv"]
    assert target.read_text(encoding="utf-8") == "earlier results\n"
    with atomic_output(target) as handle:
        handle.write("new results\n")
    assert os.listdir(tmp_path) == ["out.tsv"]
    assert target.read_text(encoding="utf-8") == "new results\n"


# -- commands ---------------------------------------------------------------------------------


def test_segment_with_jieba_on_stdin() -> None:
    result = nlptk("segment", "--lexicon", "jieba", stdin="我爱北京天安门\n\niPhone手机，3G网络。\n".encode())
    assert out(result) == "我 爱 北京 天安门\n\niPhone 手机 ， 3G 网络 。\n"


def test_segment_to_file(tmp_path: Path) -> None:
    lexicon = tmp_path / "lex.txt"
    lexicon.write_text("研究 50\n研究生 10\n生命 40\n起源 30\n", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("研究生命起源\n", encoding="utf-8")
    target = tmp_path / "seg.txt"
    assert out(nlptk("segment", source, "--lexicon", lexicon, "-o", target)) == ""
    assert target.read_text(encoding="utf-8") == "研究 生命 起源\n"
    assert sorted(os.listdir(tmp_path)) == ["in.txt", "lex.txt", "seg.txt"]


def test_evaluate_segment(tmp_path: Path) -> None:
    gold = tmp_path / "gold.txt"
    pred = tmp_path / "pred.txt"
    gold.write_text("我 喜欢 北京 天安门\n天安门 广场\n", encoding="utf-8")
    pred.write_text("我 喜欢 北京天安门\n天安门 广 场\n", encoding="utf-8")
    words = tmp_path / "train.txt"
    words.write_text("我\n喜欢\n北京\n广场\n", encoding="utf-8")
    text = out(nlptk("evaluate", "segment", gold, pred))
    assert text.splitlines()[:6] == [
        "lines            2",
        "gold words       6",
        "predicted words  6",
        "precision        0.5000",
        "recall           0.5000",
        "F1               0.5000",
    ]
    score = json.loads(out(nlptk("evaluate", "segment", gold, pred, "--format", "json", "--training-words", words)))
    assert score["precision"] == pytest.approx(0.5)
    assert score["recall"] == pytest.approx(0.5)
    assert score["f1"] == pytest.approx(0.5)
    assert score["oov_rate"] == pytest.approx(2 / 6)
    assert (score["gold_words"], score["pred_words"], score["lines"]) == (6, 6, 2)
    perfect = json.loads(out(nlptk("evaluate", "segment", gold, gold, "--format", "json")))
    assert perfect["f1"] == 1.0
    mismatch = tmp_path / "other.txt"
    mismatch.write_text("我 喜欢 上海\n天安门 广场\n", encoding="utf-8")
    one_line_error(nlptk("evaluate", "segment", gold, mismatch), "line 1")
    usage_error(nlptk("evaluate", "segment", gold, pred, "--format", "xml"), "--format")


def test_newwords_tsv_and_jsonl(corpus: Path, expected_words: str) -> None:
    tsv = expected_words.splitlines()
    assert tsv
    jsonl = out(nlptk("newwords", corpus, "--min-count", "5", "--format", "jsonl")).splitlines()
    assert len(jsonl) == len(tsv)
    for line, record in zip(tsv, map(json.loads, jsonl), strict=True):
        assert set(record) == {"word", "count", "cohesion", "left_entropy", "right_entropy", "score"}
        word, count, cohesion, left, right, score = line.split("\t")
        assert float(score) == pytest.approx(float(cohesion) + min(float(left), float(right)), abs=2e-3)
        assert record["word"] == word and record["count"] == int(count)
        for value, text in (
            (record["cohesion"], cohesion),
            (record["left_entropy"], left),
            (record["right_entropy"], right),
            (record["score"], score),
        ):
            assert value is None if text == "" else value == pytest.approx(float(text), abs=1e-3)
        assert len(word) >= 2  # --min-len defaults to 2
    words = [line.split("\t")[0] for line in tsv]
    assert set(PLANTED) <= set(words)
    scores = [float(line.split("\t")[5]) for line in tsv]
    assert scores == sorted(scores, reverse=True)  # the default order: --sort score
    by_count = out(nlptk("newwords", corpus, "--min-count", "5", "--sort", "count")).splitlines()
    assert sorted(by_count) == sorted(tsv)
    counts = [int(line.split("\t")[1]) for line in by_count]
    assert counts == sorted(counts, reverse=True)


def test_newwords_output_file(tmp_path: Path, corpus: Path, expected_words: str) -> None:
    target = tmp_path / "words.tsv"
    result = nlptk("newwords", corpus, "--min-count", "5", "-o", target)
    assert out(result) == ""
    assert target.read_text(encoding="utf-8") == expected_words
    assert sorted(os.listdir(tmp_path)) == ["words.tsv"]


def test_newwords_exclude_and_top(tmp_path: Path, corpus: Path, expected_words: str) -> None:
    full = [line.split("\t")[0] for line in expected_words.splitlines()]
    assert {"北京大学", "玻璃", "蝴蝶"} <= set(full)
    lexicon = tmp_path / "known.txt"
    lexicon.write_text("北京大学 100 nt\n玻璃\n", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("蝴蝶 3\n", encoding="utf-8")
    excluded = out(nlptk("newwords", corpus, "--min-count", "5", "--exclude", lexicon, "--exclude", other))
    kept = [line.split("\t")[0] for line in excluded.splitlines()]
    assert kept == [w for w in full if w not in {"北京大学", "玻璃", "蝴蝶"}]
    top = out(nlptk("newwords", corpus, "--min-count", "5", "--top", "3")).splitlines()
    assert [line.split("\t")[0] for line in top] == full[:3]
    one_line_error(nlptk("newwords", corpus, "--exclude", tmp_path / "missing.txt"), "missing.txt")


def test_newwords_length_limits(corpus: Path) -> None:
    rows = out(nlptk("newwords", corpus, "--min-count", "5", "--min-len", "3", "--max-len", "3")).splitlines()
    words = [row.split("\t")[0] for row in rows]
    assert words and all(len(w) == 3 for w in words)
    assert {"葡萄酒", "区块链"} <= set(words)


def test_count_and_ngrams(tmp_path: Path, corpus: Path) -> None:
    table = tmp_path / "t.tbl"
    result = nlptk("count", corpus, "-o", table, "--order", "3")
    assert out(result) == ""
    assert "3-grams" in result.stderr.decode()
    text = corpus.read_text(encoding="utf-8")
    assert out(nlptk("ngrams", table, "北京大", "京大学", "北京大学")) == (
        f"北京大\t{text.count('北京大')}\n京大学\t{text.count('京大学')}\n北京大学\t0\n"
    )
    prefixed = out(nlptk("ngrams", table, "--prefix", "葡萄", "--format", "jsonl")).splitlines()
    assert [json.loads(line) for line in prefixed] == [
        {"ngram": "葡萄", "count": text.count("葡萄")},
        {"ngram": "葡萄酒", "count": text.count("葡萄酒")},
    ]
    usage_error(nlptk("ngrams", table, "--order", "4"), "--order must be between 1 and 3")
    usage_error(nlptk("ngrams", table, "--min-count", "0"), "--min-count")
    assert sorted(os.listdir(tmp_path)) == ["t.tbl"]


# -- imports ----------------------------------------------------------------------------------


def test_light_commands_import_neither_torch_nor_dask(tmp_path: Path, corpus: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nlptk", "newwords", str(corpus), "--min-count", "5"],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert b"torch" not in result.stderr
    # Stronger: stand-in torch and Dask packages that leave a mark when anything imports them.
    fake = tmp_path / "fake"
    markers = []
    for heavy in ("torch", "dask", "distributed"):
        (fake / heavy).mkdir(parents=True)
        markers.append(tmp_path / f"{heavy}-was-imported")
        (fake / heavy / "__init__.py").write_text(f"open({str(markers[-1])!r}, 'w').close()\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])}
    light = (
        ["newwords", str(corpus), "--min-count", "5"],
        ["count", str(corpus), "-o", str(tmp_path / "t")],
        ["segment", str(corpus)],  # the shipped model on numpy
        ["tag", "predict", str(corpus)],
    )
    for args in light:
        out(nlptk(*args, env=env))
        assert not [m.name for m in markers if m.exists()], f"nlptk {args[0]} imported torch or Dask"
