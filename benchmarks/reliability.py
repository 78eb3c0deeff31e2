"""Rerun issue 20's list of failures: every command with bad or unusual input.

    python benchmarks/reliability.py [--keep DIR]

Builds a scratch folder of small files (from corpora/sample.txt), runs each case as a user
would (`nlptk ...` in a subprocess, umask 022), and prints one row per case: exit status,
whether stderr held a traceback, whether the case's own check held (files kept, modes, no
partial output, the message), and the first line of stderr. Ends with the counts of
tracebacks, hangs, lost files and failed checks.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120


@dataclass
class Case:
    name: str
    args: list[str]
    check: Callable[[subprocess.CompletedProcess[str], Path], bool]
    stdin: str = ""
    setup: Callable[[Path], None] | None = None


def _scratch(folder: Path) -> None:
    import jieba

    text = (REPO / "corpora" / "sample.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    (folder / "sample.txt").write_text(text, encoding="utf-8")
    segmented = [" ".join(jieba.lcut(line)) for line in lines]
    (folder / "seg_train.txt").write_text("\n".join(segmented[:-5]) + "\n", encoding="utf-8")
    (folder / "seg_dev.txt").write_text("\n".join(segmented[-5:]) + "\n", encoding="utf-8")
    (folder / "latin.txt").write_text("hello world only latin\n", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "bad.txt").write_bytes("今天天气\n".encode() + b"\xff\xfe\n")
    (folder / "templates.txt").write_text("X的X\n", encoding="utf-8")
    (folder / "lexicon.txt").write_text("广州 12 ns extra more\n", encoding="utf-8")
    (folder / "u").write_text("茶农们\n", encoding="utf-8")
    (folder / "sample.txt.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    (folder / "couplets.txt").write_text("晚 风 摇 树\t=>\t秋 月 照 江\n", encoding="utf-8")
    (folder / "first.txt").write_text("晚 风 摇 树\n", encoding="utf-8")
    (folder / "second.txt").write_text("秋 月 照 江\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "nlptk", "count", "sample.txt", "-o", "full.ngt", "-q"], cwd=folder, check=True
    )
    data = (folder / "full.ngt").read_bytes()
    (folder / "truncated.ngt").write_bytes(data[: len(data) // 2])


def _keep_dir(folder: Path) -> None:
    shutil.rmtree(folder / "d", ignore_errors=True)
    (folder / "d" / "inner" / "deeper").mkdir(parents=True)
    (folder / "d" / "keep.txt").write_text("keep")
    (folder / "d" / "inner" / "deeper" / "d.txt").write_text("deep")


def _kept(result: subprocess.CompletedProcess[str], folder: Path) -> bool:
    return (folder / "d" / "keep.txt").exists() and (folder / "d" / "inner" / "deeper" / "d.txt").exists()


def _old_file(folder: Path) -> None:
    (folder / "old.txt").write_text("old")


def _old_kept(result: subprocess.CompletedProcess[str], folder: Path) -> bool:
    return (folder / "old.txt").read_text() == "old"


def _error(status: int, *needles: str) -> Callable[[subprocess.CompletedProcess[str], Path], bool]:
    def check(result: subprocess.CompletedProcess[str], folder: Path) -> bool:
        lines = result.stderr.splitlines()
        return (
            result.returncode == status
            and len(lines) == 1
            and lines[0].startswith("nlptk: error:")
            and all(n in lines[0] for n in needles)
        )

    return check


def _and(*checks: Callable[[subprocess.CompletedProcess[str], Path], bool]):
    return lambda result, folder: all(check(result, folder) for check in checks)


def _absent(name: str):
    return lambda result, folder: not (folder / name).exists()


def _stdout_empty(result: subprocess.CompletedProcess[str], folder: Path) -> bool:
    return result.stdout == ""


def _mode_644(name: str):
    return lambda result, folder: stat.S_IMODE((folder / name).stat().st_mode) == 0o644


def _output(expected: str):
    return lambda result, folder: result.returncode == 0 and result.stdout == expected


def _ok(result: subprocess.CompletedProcess[str], folder: Path) -> bool:
    return result.returncode == 0


TRAIN = ["seg_train.txt", "--dev", "seg_dev.txt", "--epochs", "1", "-q"]
CASES = [
    Case(
        "tag train keeps a foreign -o",
        ["tag", "train", *TRAIN, "-o", "d"],
        _and(_error(2, "d"), _kept),
        setup=_keep_dir,
    ),
    Case(
        "lm train keeps a foreign -o",
        ["lm", "train", "seg_train.txt", "--dev", "seg_dev.txt", "--epochs", "1", "-o", "d", "-q"],
        _and(_error(2, "d"), _kept),
        setup=_keep_dir,
    ),
    Case(
        "tag train keeps an existing file",
        ["tag", "train", *TRAIN, "-o", "old.txt"],
        _and(_error(2), _old_kept),
        setup=_old_file,
    ),
    Case(
        "couplet train -o .",
        [
            "couplet",
            "train",
            "--train-in",
            "first.txt",
            "--train-out",
            "second.txt",
            "--dev",
            "couplets.txt",
            "--epochs",
            "1",
            "-o",
            ".",
        ],
        _error(2, "current"),
    ),
    Case("-o file follows umask 022", ["count", "sample.txt", "-o", "t.ngt", "-q"], _and(_ok, _mode_644("t.ngt"))),
    Case(
        "minent --state nodir writes nothing",
        ["minent", "lexicon", "sample.txt", "--state", "nodir/s.st", "-o", "out.txt"],
        _and(_error(2, "state"), _absent("out.txt"), _stdout_empty),
    ),
    Case(
        "tag train --max-len 0 (was a hang)",
        ["tag", "train", *TRAIN, "-o", "m0", "--max-len", "0"],
        _and(_error(2, "--max-len"), _absent("m0")),
    ),
    Case(
        "newwords -o adir",
        ["newwords", "sample.txt", "--min-count", "3", "-o", "adir"],
        _error(2, "adir"),
        setup=lambda f: (f / "adir").mkdir(exist_ok=True),
    ),
    Case("segment -o adir", ["segment", "sample.txt", "-o", "adir"], _error(2, "adir")),
    Case("count -o nodir/x.ngt", ["count", "latin.txt", "-o", "nodir/x.ngt"], _error(2, "nodir")),
    Case("ngrams on a truncated table", ["ngrams", "truncated.ngt", "宝玉"], _error(1, "truncated.ngt")),
    Case("newwords --memory 0", ["newwords", "sample.txt", "--memory", "0"], _error(2, "--memory")),
    Case("count --memory -1G", ["count", "sample.txt", "-o", "t2.ngt", "--memory", "-1G"], _error(2, "--memory")),
    Case("couplet --threads -1", ["couplet", "晚风摇树树还挺", "--threads", "-1"], _error(2, "--threads")),
    Case(
        "couplet --seed 99999999999999999999",
        ["couplet", "晚风摇树树还挺", "--seed", "99999999999999999999"],
        _error(2, "--seed"),
    ),
    Case(
        "tag train --dim 0", ["tag", "train", *TRAIN, "-o", "m1", "--dim", "0"], _and(_error(2, "--dim"), _absent("m1"))
    ),
    Case("tag train --dropout 2", ["tag", "train", *TRAIN, "-o", "m2", "--dropout", "2"], _error(2, "--dropout")),
    Case(
        "tag train --epochs 0",
        ["tag", "train", *TRAIN[:-3], "--epochs", "0", "-o", "m3"],
        _and(_error(2, "--epochs"), _absent("m3")),
    ),
    Case("tag train --lr -1", ["tag", "train", *TRAIN, "-o", "m4", "--lr", "-1"], _error(2, "--lr")),
    Case("couplet eval on undecodable input", ["couplet", "eval", "bad.txt"], _error(1, "bad.txt", "line 2")),
    Case(
        "lm sample --decoder beam-0", ["lm", "sample", "-m", "nomodel", "--decoder", "beam-0"], _error(2, "beam width")
    ),
    Case("lm sample --decoder topk-0", ["lm", "sample", "-m", "nomodel", "--decoder", "topk-0"], _error(2, "k must")),
    Case(
        "lm sample --decoder nucleus-2",
        ["lm", "sample", "-m", "nomodel", "--decoder", "nucleus-2"],
        _error(2, "p must"),
    ),
    Case("evaluate segment empty empty", ["evaluate", "segment", "empty.txt", "empty.txt"], _error(1, "no words")),
    Case(
        "tag eval --format xml",
        ["tag", "eval", "seg_dev.txt", "-m", str(REPO / "nlptk" / "data" / "seg"), "--format", "xml"],
        _error(2, "--format"),
    ),
    Case("newwords --top -5", ["newwords", "sample.txt", "--top", "-5"], _error(2, "--top")),
    Case(
        "newwords --min-len 5 --max-len 2",
        ["newwords", "sample.txt", "--min-len", "5", "--max-len", "2"],
        _error(2, "--max-len"),
    ),
    Case(
        "templates line without a tab",
        ["minent", "parse", "sample.txt", "--templates", "templates.txt"],
        _error(1, "templates.txt", "line 1"),
    ),
    Case(
        "lexicon line with extra fields",
        ["segment", "sample.txt", "--lexicon", "lexicon.txt"],
        _error(1, "lexicon.txt", "line 1"),
    ),
    Case("empty lexicon", ["segment", "sample.txt", "--lexicon", "empty.txt"], _error(1, "empty.txt")),
    Case(
        "newwords --min-len 1 prints no nan",
        ["newwords", "sample.txt", "--min-len", "1", "--min-count", "3"],
        lambda r, f: r.returncode == 0 and "nan" not in r.stdout,
    ),
    Case("--user-dict keeps 茶农们", ["segment", "--user-dict", "u"], _output("茶农们\n"), stdin="茶农们\n"),
    Case("Latin stays whole", ["segment"], _output("我 爱 Python 和 C++\n"), stdin="我爱Python和C++\n"),
    Case(
        "ASCII space is no word",
        ["segment"],
        lambda r, f: r.returncode == 0 and "  " not in r.stdout and r.stdout.strip() != "",
        stdin="今天 天气\n",
    ),
    Case("title --seed exists", ["title", "generate", "--help"], lambda r, f: "--seed" in r.stdout),
    Case("gzip input", ["newwords", "sample.txt.gz", "--min-count", "3"], lambda r, f: r.returncode == 0 and r.stdout),
    Case("--version", ["--version"], lambda r, f: r.stdout.startswith("nlptk ")),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", help="Build the scratch folder here and keep it.")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="nlptk-reliability-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.umask(0o022)
    _scratch(folder)
    tracebacks = hangs = lost = failed = 0
    print(f"{'case':42} {'exit':>4}  {'tb':2}  {'ok':3}  first line of stderr")
    for case in CASES:
        if case.setup:
            case.setup(folder)
        try:
            result = subprocess.run(
                [sys.executable, "-m", "nlptk", *case.args],
                input=case.stdin,
                capture_output=True,
                text=True,
                cwd=folder,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            hangs += 1
            print(f"{case.name:42} hang")
            continue
        traceback = "Traceback" in result.stderr
        ok = case.check(result, folder) and not traceback
        tracebacks += traceback
        failed += not ok
        lost += "keeps" in case.name and not ok
        first = (result.stderr.splitlines() or [""])[0][:90]
        print(
            f"{case.name:42} {result.returncode:>4}  {'TB' if traceback else '--'}  {'ok' if ok else 'NO':3}  {first}"
        )
    print(
        f"\n{len(CASES)} cases: {tracebacks} tracebacks, {hangs} hangs, {lost} with files lost, {failed} failed checks"
    )
    if not options.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
