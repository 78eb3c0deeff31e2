"""Connecting to a Dask scheduler (``tcp://host:8786``) or starting a LocalCluster (``local:N``)."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from nlptk.errors import NlptkError, OptionError

if TYPE_CHECKING:
    from distributed import Client

LOCAL = "local:"
CONNECT_TIMEOUT = "10s"  # how long to wait for a scheduler to answer
WORKER_BASE = 256 << 20  # what a worker process takes before any task: Python, numpy, Dask, nlptk's tables
MIN_WORKER_MEMORY = 2 * WORKER_BASE


def task_memory(memory: int) -> int:
    """The budget of one task on a worker of ``memory`` bytes: half of what the process leaves free
    (the other half holds partial results until they are merged; Dask spills them beyond that)."""
    return max((memory - WORKER_BASE) // 2, 1 << 20)


T = TypeVar("T")


def check_address(address: str) -> int | None:
    """The number of workers of ``local:N`` (None for a scheduler's URL); an OptionError otherwise."""
    if address.startswith(LOCAL):
        workers = address.removeprefix(LOCAL)
        if not workers.isdigit() or int(workers) < 1:
            raise OptionError("cluster", f"local:N needs a number of workers N ≥ 1, not {address!r}")
        return int(workers)
    scheme, _, rest = address.partition("://")
    if not rest or scheme not in ("tcp", "tls", "inproc", "ucx", "ws", "wss"):
        raise OptionError(
            "cluster", f"must be a Dask scheduler's address (tcp://HOST:PORT) or local:N, not {address!r}"
        )
    return None


def _distributed():  # the module, imported only here
    try:
        import distributed
    except ImportError:
        raise NlptkError("--cluster needs Dask: pip install 'nlptk[cluster]'") from None
    return distributed


@contextlib.contextmanager
def connect(address: str, memory: int) -> Iterator[Client]:
    """A Dask client for ``address``; ``local:N`` starts N worker processes of one thread each
    with ``memory`` bytes each, in a scratch directory removed afterwards."""
    workers = check_address(address)
    if workers is not None and memory < MIN_WORKER_MEMORY:
        raise OptionError("memory", f"must be at least {MIN_WORKER_MEMORY >> 20}M per worker with --cluster local:N")
    distributed = _distributed()
    # Dask logs what it retries and what it loses, and tornado the exceptions of Dask's callbacks
    # when the scheduler goes away; what the user needs is the one-line error of on_cluster.
    for name in ["distributed", "tornado", *logging.root.manager.loggerDict]:
        if name.startswith(("distributed", "tornado")):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    if workers is None:
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise NlptkError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with contextlib.closing(client):
            yield client
        return
    scratch = tempfile.mkdtemp(prefix="nlptk-dask-")
    import dask

    settings = {
        # A paused worker waits for memory that a task's own working set may never give back: let
        # Dask spill held results to disk instead, and restart a worker only past its limit.
        "distributed.worker.memory.pause": False,
        # Dask's nannies set MALLOC_TRIM_THRESHOLD_, which turns off glibc's adaptive mmap threshold:
        # every large numpy array is then mapped and zeroed anew, a third slower here.
        "distributed.nanny.pre-spawn-environ": {},
    }
    try:
        with (
            dask.config.set(settings),
            distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory,
                local_directory=scratch,
                dashboard_address=":0",  # a free port: never one a user's own cluster holds
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def on_cluster(address: str, work: Callable[[], T]) -> T:
    """``work()``, turning the errors of a scheduler or workers that went away into one-line errors."""
    distributed = _distributed()
    lost = (TimeoutError, distributed.comm.core.CommClosedError, distributed.client.FutureCancelledError)
    try:
        return work()
    except NlptkError:
        raise
    except distributed.scheduler.KilledWorker:
        raise NlptkError(
            f"the Dask workers at {address} died on the same task again and again (out of memory? see --memory)"
        ) from None
    except lost as exc:
        raise NlptkError(
            f"lost the connection to the Dask scheduler at {address} ({type(exc).__name__}); nothing was written"
        ) from None


def worker_directory() -> str:
    """A directory for a task's temporary files: the Dask worker's own (Dask removes it), else the system's."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return tempfile.gettempdir()
