"""Whether torch is installed, and what the CPU offers it: its threads, and whether bfloat16 arithmetic is native."""

from __future__ import annotations

import importlib.util
from functools import lru_cache


def torch_installed() -> bool:
    """Whether torch can be imported (the torch extra is installed)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except ValueError:  # sys.modules["torch"] is None: imports of torch are blocked
        return False


@lru_cache(maxsize=1)
def bf16_is_fast() -> bool:
    """True on CPUs with native bfloat16 matrix units (AMX or AVX512-BF16), where bf16 is several
    times faster than float32; elsewhere bf16 is emulated and slower, so it stays off."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def cpu_threads(threads: int = 0) -> None:
    """Set torch's intra-op threads: ``threads``, or every CPU this process may run on (0)."""
    import torch

    from nlptk import checks
    from nlptk.parallel import default_workers

    checks.threads(threads)
    torch.set_num_threads(threads or default_workers())
