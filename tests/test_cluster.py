"""`--cluster`: counts and new words on Dask give the answers of one machine, through faults too."""

from __future__ import annotations

import filecmp
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, one_line_error, out, random_chinese, run_nlptk, usage_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

distributed = pytest.importorskip("distributed", reason="the cluster tests need Dask: pip install 'nlptk[cluster]'")

from nlptk.cluster.counting import count_table_on_cluster, range_bytes_for  # noqa: E402
from nlptk.cluster.discovery import discover_on_cluster  # noqa: E402
from nlptk.io import ByteRange, Source, read_chunks, read_range, split_ranges  # noqa: E402
from nlptk.newwords import DiscoveryConfig, discover_words  # noqa: E402
from nlptk.ngrams import count_to_table  # noqa: E402
from nlptk.progress import NoProgress  # noqa: E402

nlptk = run_nlptk

MEMORY = 1 << 30  # per worker, and the budget of the one-machine runs they are compared with


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """Two worker processes, shared by the tests that only need a scheduler's address."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit=MEMORY, dashboard_address=":0"
    ) as running:
        yield running


def word_rows(words: list) -> list[tuple]:
    """Words as comparable rows (NaN cohesion of single characters compares by its repr)."""
    return [(w.word, w.count, *map(repr, (w.cohesion, w.left_entropy, w.right_entropy, w.left_share))) for w in words]


# Characters, spaces, punctuation, line ends of each kind, an astral character, a two-byte one.
TEXT = st.lists(st.sampled_from([*"中国人民大学生的了一a1 ，\n\r", "\r\n", "😀", "é"]), max_size=300).map("".join)


# -- reading ranges -----------------------------------------------------------------------------------


def test_ranges_are_as_large_as_memory_allows_and_a_multiple_of_the_workers() -> None:
    megabyte = 1 << 20
    # 400 MB on two workers of 2 GB: ranges of at most memory/20, four of 100 MB.
    assert range_bytes_for(2048 * megabyte, 400 * megabyte, 2) == 100 * megabyte
    # At least one range per worker, and as many per worker: 3 workers, 100 MB in ranges of at most 51 MB.
    assert range_bytes_for(1024 * megabyte, 100 * megabyte, 3) == -(-100 * megabyte // 3)
    assert range_bytes_for(1024 * megabyte, 160 * megabyte, 3) == -(-160 * megabyte // 6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, bom=st.booleans(), chunk=st.integers(1, 40), range_bytes=st.integers(1, 60))
def test_ranges_read_as_one_machine_reads(tmp_path: Path, text: str, bom: bool, chunk: int, range_bytes: int) -> None:
    """Ranges cut anywhere give back, block by block, the text that one reading of the file gives."""
    path = tmp_path / "f.txt"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8", newline="")
    sources = [Source(str(path))]
    blocks: dict[int, str] = {}
    for piece_range in split_ranges(sources, range_bytes):
        for block, piece in read_range(piece_range, chunk):
            blocks[block] = blocks.get(block, "") + piece
    assert list(blocks.values()) == list(read_chunks(sources, chunk))


def test_compressed_inputs_are_one_range(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "f.txt.gz"
    path.write_bytes(gzip.compress("中国\n人民\n".encode() * 100))
    assert split_ranges([Source(str(path))], 10) == [ByteRange(Source(str(path)))]


def test_ranges_name_the_byte_of_an_encoding_error(tmp_path: Path) -> None:
    from nlptk.errors import NlptkError

    path = tmp_path / "bad.txt"
    path.write_bytes("中国\n".encode() * 20 + b"\xff\n" + "人民\n".encode() * 20)
    ranges = split_ranges([Source(str(path))], 50)
    with pytest.raises(NlptkError, match=r"invalid UTF-8 at byte offset 140 "):
        for byte_range in ranges:
            list(read_range(byte_range, 16))


# -- same answers -------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT.filter(lambda t: any(c in t for c in "中国人民大学生")), min_size=1, max_size=3))
def test_count_tables_are_identical(cluster: distributed.LocalCluster, tmp_path: Path, texts: list[str]) -> None:
    """Random corpora over several files, in ranges of a few bytes: the same table, byte for byte."""
    inputs = []
    for i, text in enumerate(texts):
        path = tmp_path / f"in{i}.txt"
        path.write_text(text, encoding="utf-8", newline="")
        inputs.append(str(path))
    count_to_table(inputs, tmp_path / "one.ngt", order=3, memory=MEMORY)
    address = cluster.scheduler_address
    count_table_on_cluster(
        address, inputs, tmp_path / "many.ngt", 3, 1, "split", MEMORY, "strict", NoProgress(), range_bytes=7
    )
    assert filecmp.cmp(tmp_path / "one.ngt", tmp_path / "many.ngt", shallow=False)


def real_corpus(tmp_path: Path, lines: int = 4000) -> Path:
    """A real corpus: the first ``lines`` of People's Daily 1998 with the spaces removed; where
    the data is absent, as many lines of seeded random words (Zipf-like, so that some recur)."""
    folds = sorted((DATA / "cws" / "pd1998").glob("fold*.txt"))
    path = tmp_path / "real.txt"
    if folds:
        text = "".join(open(fold, encoding="utf-8").read() for fold in folds)  # noqa: SIM115
        path.write_text("".join(text.replace(" ", "").splitlines(keepends=True)[:lines]), encoding="utf-8")
        return path
    rng = random.Random(7)
    words = [random_chinese(rng.randint(2, 4), seed=i) for i in range(3000)]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rows = ("".join(rng.choices(words, weights, k=rng.randint(10, 40))) + "。\n" for _ in range(lines))
    path.write_text("".join(rows), encoding="utf-8")
    return path


def test_count_command_writes_the_same_table(tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path)
    out(nlptk("count", corpus, "-o", tmp_path / "one.ngt", "--memory", "1G", "--quiet"))
    result = nlptk("count", corpus, "-o", tmp_path / "two.ngt", "--memory", "1G", "--cluster", "local:2")
    out(result)
    assert result.stderr.decode().startswith("counted ")
    assert filecmp.cmp(tmp_path / "one.ngt", tmp_path / "two.ngt", shallow=False)


def test_newwords_command_prints_the_same_lines(tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path)
    args = ("newwords", corpus, "--min-count", "5", "--memory", "1G", "--quiet")
    one = out(nlptk(*args))
    assert one.count("\n") > 50
    assert out(nlptk(*args, "--cluster", "local:2")) == one


@pytest.mark.parametrize("workers", [1, 2])
def test_words_are_the_same_with_many_ranges(cluster: distributed.LocalCluster, tmp_path: Path, workers: int) -> None:
    """A real corpus in ranges of 20 kB, and a compressed input read whole, on one and two workers."""
    import gzip

    corpus = real_corpus(tmp_path)
    packed = tmp_path / "part.txt.gz"
    packed.write_bytes(gzip.compress(corpus.read_bytes()[:100_000].rsplit(b"\n", 1)[0] + b"\n"))
    inputs = [str(corpus), str(packed)]
    config = DiscoveryConfig(min_count=5, memory=MEMORY)
    expected = word_rows(discover_words(inputs, config))
    address = cluster.scheduler_address if workers == 2 else "local:1"
    assert word_rows(discover_on_cluster(inputs, config, NoProgress(), address, range_bytes=20_000)) == expected


# -- faults --------------------------------------------------------------------------------------------


def test_a_killed_worker_changes_nothing(tmp_path: Path) -> None:
    """One worker process is killed while tasks run; Dask reruns them and the words are the same."""
    corpus = real_corpus(tmp_path, lines=12000)
    config = DiscoveryConfig(min_count=5, memory=MEMORY)
    expected = word_rows(discover_words([str(corpus)], config))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit=MEMORY, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        result: dict[str, list] = {}

        def run() -> None:
            words = discover_on_cluster([str(corpus)], config, NoProgress(), local.scheduler_address, 50_000)
            result["words"] = words

        runner = threading.Thread(target=run)
        runner.start()
        killed = None
        deadline = time.monotonic() + 60
        while killed is None and runner.is_alive() and time.monotonic() < deadline:
            busy = [address for address, tasks in client.processing().items() if tasks]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed = busy[0]
            time.sleep(0.05)
        runner.join(timeout=300)
        assert killed is not None, "the run ended before a worker could be killed"
    assert word_rows(result["words"]) == expected


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_lost_scheduler_is_a_one_line_error_and_no_output(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen(
        [*dask, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        with distributed.Client(address, timeout="30s") as probe:
            worker = subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            probe.wait_for_workers(1, timeout=60)
        corpus = real_corpus(tmp_path, lines=20000)
        big = tmp_path / "big.txt"
        big.write_text(corpus.read_text(encoding="utf-8") * 30, encoding="utf-8")
        table = tmp_path / "t.ngt"
        command = [sys.executable, "-m", "nlptk", "count", str(big), "-o", str(table), "--cluster", address]
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        scheduler.kill()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        for process in (scheduler, worker):
            if process is not None:
                process.kill()
                process.wait()
    assert run.returncode == 1, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("nlptk: error: lost the connection to the Dask scheduler")
    assert stdout == ""
    assert sorted(os.listdir(tmp_path)) == ["big.txt", "real.txt"]


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path, lines=10)
    result = nlptk("count", corpus, "-o", tmp_path / "t", "--cluster", f"tcp://127.0.0.1:{free_port()}")
    one_line_error(result, "cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert not (tmp_path / "t").exists()


def test_temporary_files_are_removed(cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    """Nothing of a run stays in the workers' directories, nor the scratch space of local:N."""
    corpus = real_corpus(tmp_path, lines=1000)
    with distributed.Client(cluster) as client:
        directories = client.run(lambda dask_worker: dask_worker.local_directory)
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    before = {p.name for p in scratch.iterdir() if p.name.startswith("nlptk-")}
    config = DiscoveryConfig(min_count=3, memory=MEMORY)
    discover_on_cluster([str(corpus)], config, NoProgress(), cluster.scheduler_address, range_bytes=10_000)
    discover_on_cluster([str(corpus)], config, NoProgress(), "local:1")
    for directory in directories.values():
        assert not [name for name in os.listdir(directory) if name.startswith("nlptk-")]
    assert {p.name for p in scratch.iterdir() if p.name.startswith("nlptk-")} == before


# -- usage ---------------------------------------------------------------------------------------------


def test_bad_cluster_options_are_usage_errors(tmp_path: Path) -> None:
    corpus = real_corpus(tmp_path, lines=10)
    table = tmp_path / "t"
    usage_error(nlptk("count", corpus, "-o", table, "--cluster", "somewhere"), "--cluster must be a Dask scheduler")
    usage_error(nlptk("newwords", corpus, "--cluster", "local:0"), "--cluster local:N needs a number of workers")
    usage_error(nlptk("count", corpus, "-o", table, "--cluster", "local:1", "--memory", "100M"), "--memory must be")
    usage_error(
        nlptk("newwords", "-", "--cluster", "local:1", stdin="中国\n".encode()), "--cluster cannot split standard input"
    )
    assert not table.exists()
