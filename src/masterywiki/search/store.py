"""The search folder on disk: `state.json` (which index folder is current, at which commit)
and the `fcntl` write lock every process takes before changing an index."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masterywiki.search.schema import INDEX_FORMAT


@dataclass(frozen=True)
class State:
    folder: str  # the index folder in use, under the search folder
    commit: str  # the commit it reflects ("" for an empty repository)


def read_state(folder: Path) -> State | None:
    """The current state, or None when missing, unreadable or of another index format."""
    try:
        data = json.loads((folder / "state.json").read_text())
        if data.get("format") != INDEX_FORMAT:
            return None
        return State(str(data["folder"]), str(data["commit"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(folder: Path, state: State) -> None:
    """Replace `state.json` atomically: readers see the old or the new state, never half."""
    data = {"format": INDEX_FORMAT, "folder": state.folder, "commit": state.commit}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, folder / "state.json")


class WriteLock:
    """An exclusive `fcntl` lock shared by every process using one search folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None

    def acquire(self, timeout: float) -> bool:
        """True once held; False if another process still holds it after `timeout` s."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.05)
                continue
            self._handle = handle
            return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    @contextlib.contextmanager
    def held(self, timeout: float) -> Iterator[bool]:
        got = self.acquire(timeout)
        try:
            yield got
        finally:
            if got:
                self.release()
