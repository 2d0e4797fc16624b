"""Giving memory the process has freed back to the system.

CPython hands text longer than 512 bytes to the C library's allocator, which keeps
what is freed in the middle of its heap for later: after a worker has read 100,000
pages (each page's text read, scanned and dropped) about 50 MB of freed memory stayed
counted as the worker's own. glibc's `malloc_trim` returns those pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    found: Callable[[int], int] | None = getattr(library, "malloc_trim", None)
    return found


def give_back_freed_memory() -> bool:
    """Return the C heap's free pages to the system (a few milliseconds); False where
    the C library has no `malloc_trim` (not glibc), which changes nothing else."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
