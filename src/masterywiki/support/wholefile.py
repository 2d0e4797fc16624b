"""Cache files written whole or not at all, and what killed writers left cleaned up.

A file is written under a temporary name in its own folder and renamed into place,
so a reader finds the old file or the new one, never half of one. A process killed
while writing leaves its temporary file behind (40 MB for the page cache of 100,000
pages): the next write of the same kind removes those over an hour old; younger ones
may be another process's, being written right now.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

SUFFIX = ".tmp"
STALE_AFTER = 3600.0  # seconds: a file still being written after this was abandoned


def write_whole(path: Path, write: Callable[[BinaryIO], object], prefix: str) -> None:
    """Write `path` with `write(handle)` through a temporary file named `prefix`...,
    renamed into place. A failure removes the temporary file and is raised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    remove_abandoned(path.parent, prefix)


def remove_abandoned(folder: Path, prefix: str, now: float | None = None) -> None:
    """Delete the temporary files named `prefix`... in `folder` over `STALE_AFTER` old."""
    now = time.time() if now is None else now
    for stale in folder.glob(f"{prefix}*{SUFFIX}"):
        try:
            if now - stale.stat().st_mtime > STALE_AFTER:
                stale.unlink()
        except OSError:  # gone already, or not ours to delete
            continue
