"""Checks of how work grows, not of how fast this machine is.

A bound in seconds fails on a slower or busier machine (CI once took 2.3 s for what
takes 1.6 s here), so the tests compare two measurements made in the same process:
the same work at two sizes, or a shape against ordinary writing of the same size.
Quadratic work grows 16-fold when its input grows 4-fold; linear work about 4-fold.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

FACTOR = 4
LINEAR_GROWTH = 2 * FACTOR  # room for noise, well short of quadratic's FACTOR**2


def cpu_seconds(work: Callable[[], object], repeat: int = 1) -> float:
    """The fastest of `repeat` runs, in CPU seconds of this process."""
    best = float("inf")
    for _ in range(repeat):
        with no_garbage_collection():
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
    return best


@contextmanager
def no_garbage_collection() -> Iterator[None]:
    """Python's collector runs more often as live objects pile up, which makes linear
    work that allocates look superlinear; it is measured separately, by nothing here."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def growth(work: Callable[[int], object], small: int) -> float:
    """How many times longer `work(FACTOR * small)` takes than `work(small)`.

    Measured twice when it looks superlinear, so one busy moment cannot fail a test
    that real quadratic work fails every time.
    """
    ratio = 0.0
    for _ in range(2):
        before = cpu_seconds(lambda: work(small), repeat=2)
        after = cpu_seconds(lambda: work(FACTOR * small))
        ratio = after / max(before, 1e-3)
        if ratio < LINEAR_GROWTH:
            break
    return ratio
