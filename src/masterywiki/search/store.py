"""The search folder on disk: `state.json` (which index folder is current, at which commit),
opening an index folder, and the `fcntl` write lock every process takes before changing
an index."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]

from masterywiki.search.schema import INDEX_FORMAT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    folder: str  # the index folder in use, under the search folder
    commit: str  # the commit it reflects ("" for an empty repository)


def read_state(folder: Path) -> State | None:
    """The current state, or None when missing, unreadable, of another index format or
    not a state at all (then the index is rebuilt, as for a missing one)."""
    path = folder / "state.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
        if not isinstance(data, dict) or not isinstance(data.get("format"), int):
            log.warning("ignoring %s: not a search index state", path)
        return None
    index_folder, commit = data.get("folder"), data.get("commit")
    if not (isinstance(index_folder, str) and _is_index_name(index_folder)):
        log.warning("ignoring %s: no index folder named", path)
        return None
    if not isinstance(commit, str):
        log.warning("ignoring %s: no commit named", path)
        return None
    return State(index_folder, commit)


def _is_index_name(name: str) -> bool:
    """An index folder's name, as `rebuild` makes them: nothing that leads elsewhere."""
    return name.startswith("index-") and "/" not in name and "\\" not in name and ".." not in name


def open_index(folder: Path) -> Any:
    """Open whoosh's index in `folder`, reading its files rather than mapping them: a
    mapped file that shrinks under a running process (a truncated or damaged segment)
    kills it with SIGBUS, where a read fails with an error the service recovers from
    by rebuilding the index."""
    return FileStorage(str(folder), supports_mmap=False).open_index()


def write_state(folder: Path, state: State) -> None:
    """Replace `state.json` atomically: readers see the old or the new state, never half."""
    data = {"format": INDEX_FORMAT, "folder": state.folder, "commit": state.commit}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, folder / "state.json")


PROGRESS_FILE = "building.json"  # how far a full build is, for every process to tell
FIRST_BUILD_LOCK = "first-build.lock"  # held by `reindex --if-missing` from start to end


class BuildProgress:
    """Counts a full build's pages into `building.json` (at most once a second), so a
    server can say how far a build in another process has got."""

    def __init__(self, folder: Path, total: int) -> None:
        self.path = folder / PROGRESS_FILE
        self.done, self.total = 0, total
        self._written = 0.0
        self._write()

    def __call__(self, pages: int) -> None:
        self.done += pages
        if time.monotonic() - self._written >= 1.0 or self.done >= self.total:
            self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".building-", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump({"done": self.done, "total": self.total}, handle)
        os.replace(tmp, self.path)

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)


def read_progress(folder: Path) -> tuple[int, int]:
    """(pages indexed, pages) of a full build under way in any process; (0, 0) if none."""
    try:
        data = json.loads((folder / PROGRESS_FILE).read_text())
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0


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
