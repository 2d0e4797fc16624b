"""Freed memory goes back to the system when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from masterywiki.support.memory import give_back_freed_memory


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found is not None
    return int(found[1]) / 1024


def test_freed_text_in_the_middle_of_the_heap_is_given_back() -> None:
    # Page-sized texts, one in ten kept: the C heap cannot shrink past the kept ones.
    texts = [bytes(4000) + str(n).encode() for n in range(50_000)]
    kept = texts[::10]
    before = resident_mb()
    del texts
    if not give_back_freed_memory():
        pytest.skip("this C library has no malloc_trim")
    assert before - resident_mb() > 100  # of the 200 MB freed
    assert len(kept) == 5_000
