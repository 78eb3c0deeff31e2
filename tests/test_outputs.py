"""What nlptk writes: outputs follow the umask, are checked before any work, and never replace
what the user owns; compressed inputs read like plain ones; help and usage errors read as words."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import one_line_error, run_nlptk, usage_error

from nlptk.errors import OptionError
from nlptk.io import atomic_directory, atomic_output, check_model_output, read_lines, resolve_inputs

TEXT = "今天天气不错，我们去公园散步。\n今天天气很好，大家都去公园。\n" * 20


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_output_file_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "out.txt"
    with atomic_output(target) as out:
        out.write("x\n")
    assert _mode(target) == 0o640


def test_overwritten_file_follows_the_umask_not_mkstemp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    target.chmod(0o644)
    old = os.umask(0o022)
    try:
        with atomic_output(target) as out:
            out.write("new\n")
    finally:
        os.umask(old)
    assert _mode(target) == 0o644 and target.read_text() == "new\n"


def test_model_directory_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    with atomic_directory(tmp_path / "model") as tmp:
        (tmp / "config.json").write_text('{"format": "test"}')
    assert _mode(tmp_path / "model") == 0o750


def test_cli_output_follows_the_umask(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    env = dict(os.environ)
    result = run_nlptk("count", corpus, "-o", tmp_path / "t.ngt", "-q", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _mode(tmp_path / "t.ngt") == 0o666 & ~_current_umask()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _model_dir(path: Path) -> Path:
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"format": "nlptk-test"}))
    (path / "weights.npz").write_bytes(b"w")
    return path


def test_a_foreign_directory_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "d"
    (target / "inner" / "deeper").mkdir(parents=True)
    (target / "keep.txt").write_text("keep")
    (target / "inner" / "deeper" / "d.txt").write_text("deep")
    for force in (False, True):
        with pytest.raises(OptionError, match="not an nlptk model"), atomic_directory(target, force=force):
            pytest.fail("must not get here")
    assert (target / "keep.txt").read_text() == "keep"
    assert (target / "inner" / "deeper" / "d.txt").read_text() == "deep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_a_model_directory_with_a_user_file_is_foreign(tmp_path: Path) -> None:
    target = _model_dir(tmp_path / "m")
    (target / "notes.txt").write_text("mine")
    with pytest.raises(OptionError, match="not an nlptk model"):
        check_model_output(target, force=True)


def test_an_existing_file_is_not_replaced_by_a_model(tmp_path: Path) -> None:
    target = tmp_path / "old.txt"
    target.write_text("old")
    with pytest.raises(OptionError, match="is a file"):
        check_model_output(target, force=True)
    assert target.read_text() == "old"


@pytest.mark.parametrize("name", [".", ".."])
def test_the_current_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(OptionError, match="current directory"):
        check_model_output(name, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_a_model_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = _model_dir(tmp_path / "m")
    with pytest.raises(OptionError, match="force"):
        check_model_output(target)
    with atomic_directory(target, force=True) as tmp:
        (tmp / "config.json").write_text(json.dumps({"format": "nlptk-test", "new": True}))
    assert json.loads((target / "config.json").read_text())["new"] is True
    assert not (target / "weights.npz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_a_failed_write_leaves_the_old_model(tmp_path: Path) -> None:
    target = _model_dir(tmp_path / "m")
    with pytest.raises(RuntimeError), atomic_directory(target, force=True) as tmp:
        (tmp / "config.json").write_text("{}")
        raise RuntimeError("training failed")
    assert json.loads((target / "config.json").read_text()) == {"format": "nlptk-test"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress), (".data", gzip.compress)],
)
def test_compressed_inputs_read_like_plain_text(tmp_path: Path, suffix: str, compress) -> None:
    path = tmp_path / f"corpus{suffix}"
    path.write_bytes(compress(("\ufeff" + TEXT).replace("\n", "\r\n").encode("utf-8")))
    assert list(read_lines(resolve_inputs([str(path)]))) == TEXT.splitlines()


def test_compressed_stdin_and_file_give_the_same_table(tmp_path: Path) -> None:
    plain, packed = tmp_path / "c.txt", tmp_path / "c.txt.gz"
    plain.write_text(TEXT, encoding="utf-8")
    packed.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    rows = []
    for name, source, stdin in (("a", plain, None), ("b", packed, None), ("c", "-", packed.read_bytes())):
        table = tmp_path / f"{name}.ngt"
        assert run_nlptk("count", source, "-o", table, "-q", stdin=stdin).returncode == 0
        rows.append(run_nlptk("ngrams", table).stdout)
    assert rows[0] == rows[1] == rows[2] and rows[0]


def test_damaged_compressed_input_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(TEXT.encode("utf-8"))[:40])
    one_line_error(run_nlptk("count", path, "-o", tmp_path / "t.ngt"), "bad.gz", "damaged")
    assert not (tmp_path / "t.ngt").exists()


def test_output_that_is_a_directory_is_refused_before_work(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    (tmp_path / "adir").mkdir()
    for command in (["count"], ["newwords", "--min-count", "2"]):
        usage_error(run_nlptk(*command, corpus, "-o", tmp_path / "adir"), "--output", "is a directory")
    usage_error(run_nlptk("count", corpus, "-o", tmp_path / "nodir" / "x.ngt"), "--output", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "c.txt"]
    assert list((tmp_path / "adir").iterdir()) == []


def test_version_and_short_help() -> None:
    from nlptk import __version__

    assert run_nlptk("--version").stdout.decode() == f"nlptk {__version__}\n"
    short, long = run_nlptk("count", "-h"), run_nlptk("count", "--help")
    assert short.returncode == 0 and short.stdout == long.stdout


def test_help_reads_as_words_and_keeps_brackets() -> None:
    text = run_nlptk("count", "--help").stdout.decode()
    assert "<int>" not in text and "<list[str]>" not in text and "{inputs}" not in text
    assert "Usage: nlptk count [OPTIONS] INPUTS..." in text
    assert "--order INTEGER" in text and "[default: 4]" in text and "[required]" in text


def test_usage_errors_are_one_line_with_status_2() -> None:
    usage_error(run_nlptk("count", "x.txt", "-o", "t.ngt", "--order", "abc"), "--order")
    usage_error(run_nlptk("nosuchcommand"), "nosuchcommand")
    usage_error(run_nlptk("count", "x.txt"), "--output")
