"""Keeping a checked-out work tree in step with its branch, in the background.

The wiki writes commits without git's index or work tree (see `gitobjects`), so a
person's clone with files on disk would fall behind; after each commit a thread
runs `git read-tree -m -u HEAD`, which is idempotent and keeps local edits.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
INDEX_LOCK_GRACE = 1.0  # seconds a person's git command may hold index.lock


def remove_if_stale(lock: Path, grace: float) -> None:
    """Remove git's `lock` file unless it goes away within `grace` seconds.

    Call only while holding our own lock for what it guards: git's commands hold
    their locks for a moment, so one that stays was left by a process that died.
    """
    deadline = time.monotonic() + grace
    while lock.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    if lock.exists():
        log.warning("removing stale git lock %s", lock)
        lock.unlink(missing_ok=True)


class WorkTree:
    """The work tree of the repository at `path` (none to keep for a bare one)."""

    def __init__(self, path: Path, git_dir: Path, bare: bool) -> None:
        self.path = path
        self.git_dir = git_dir
        self.bare = bare
        self._lock = threading.Lock()
        self._updates: list[threading.Thread] = []

    def update_soon(self) -> None:
        """Bring the work tree up to the branch in a background thread.

        The commit already stands and readers never use the work tree, so a save
        does not wait for this; updates are serialized by their own file lock.
        """
        if self.bare:
            return
        thread = threading.Thread(target=self._update, name="masterywiki-sync", daemon=True)
        with self._lock:
            self._updates = [t for t in self._updates if t.is_alive()] + [thread]
        thread.start()

    def _update(self) -> None:
        with self._update_lock():
            self._clear_stale_index_lock()
            subprocess.run(
                ["git", "-C", str(self.path), "read-tree", "-m", "-u", "HEAD"],
                capture_output=True, check=False,
            )  # fmt: skip

    @contextmanager
    def _update_lock(self) -> Iterator[None]:
        """Held while `read-tree` updates the work tree (and its index.lock)."""
        fd = os.open(self.git_dir / "masterywiki-sync.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _clear_stale_index_lock(self) -> None:
        """Remove an index.lock a killed `read-tree` left, or no update would work again.

        Called with the update lock held, so no update of ours is running; a person's
        git command holds the lock for a moment only. This runs here, in the
        background, so that a save never waits on the work tree.
        """
        remove_if_stale(self.git_dir / "index.lock", INDEX_LOCK_GRACE)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until the updates this process started are done."""
        with self._lock:
            pending = list(self._updates)
        for thread in pending:
            thread.join(timeout)
