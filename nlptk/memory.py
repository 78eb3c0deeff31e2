"""Returning freed memory to the operating system, so that peak RSS follows the --memory budget.

glibc keeps freed blocks of up to 32 MB in its heap for reuse; after a phase that freed many
such arrays, ``malloc_trim`` hands the free pages back. Elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Give free heap pages back to the system (glibc); a no-op where that is not available."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
