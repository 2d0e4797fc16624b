"""An exclusive lock on a file, shared by processes (gunicorn workers) and threads alike.

An flock is released by the kernel when its process dies, so a killed holder never
wedges anyone. Waiting polls, so a timeout can end it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path, timeout: float, busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold the lock on `path` (made if missing); raises `busy()` after `timeout` s."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise busy() from None
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
