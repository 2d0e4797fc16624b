"""Reading every page when a server process starts, without keeping visitors waiting.

A small wiki is read before the first answer. A large one is read in a background
thread: from the instance's page cache on a restart (seconds at 100,000 pages), by
scanning every page on a first start (a minute or more). Meanwhile a page is shown
straight from git (views/starting.py) and what needs the whole wiki answers "starting"
(503 with Retry-After); progress goes to the log. Of several server processes
starting together, the first to take a file lock does the scan; the others wait for
its cache file, answering pages from git meanwhile.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from masterywiki.repository.wiki import Wiki
from masterywiki.support.memory import give_back_freed_memory

log = logging.getLogger(__name__)
BACKGROUND_ABOVE_FILES = 1000  # smaller wikis are read before the first answer (< 1 s)
PROGRESS_EVERY_SECONDS = 1.0
# Held in the cache folder by the process reading every page, until the page cache is
# written: other workers, and `reindex --if-missing`, wait for it and read the cache.
STARTUP_LOCK = "startup.lock"
# A background read waits for the process's first answer (at most this long): taking
# turns with it, reading 100,000 pages' cache made a restart's first page 0.5 s slower.
FIRST_ANSWER_WAIT = 1.0
# Above this many pages, git's commit-graph is kept for page histories (a path's log in
# a small wiki is quick without it).
COMMIT_GRAPH_ABOVE_PAGES = 5000


class Startup:
    """Whether this process has read the wiki yet, and how far it has got."""

    def __init__(self, wiki: Wiki, background_above: int | None = None) -> None:
        self.wiki = wiki
        self.background_above = (
            BACKGROUND_ABOVE_FILES if background_above is None else background_above
        )
        self.ready = threading.Event()
        self.answered = threading.Event()  # this process has answered a request
        self.pages_read = 0
        self.pages_total = 0
        self.error: str | None = None
        self._started = time.monotonic()
        self._last_report = 0.0

    def begin(self) -> None:
        """Read the wiki now when that is quick, otherwise in the background.

        A large wiki is read in the background even from the cache file (4 s at 100,000
        pages): meanwhile pages are shown straight from git. When another process is
        already scanning every page, this one waits for its cache file (in the
        background too), rather than scan the same pages again.
        """
        if self.wiki.size_hint() <= self.background_above:
            self._read()
            return
        lock = None if self.wiki.cache_file_exists() else self._lock_file()
        target: Callable[[int | None], None] = self._read_in_background
        if lock is not None and not _try_lock(lock):
            log.info("Waiting for another server process to read the pages.")
            target = self._read_after_the_other
        else:
            log.info("Reading the pages in the background; pages are shown from git meanwhile.")
        threading.Thread(target=target, args=(lock,), name="startup", daemon=True).start()

    def _read_after_the_other(self, lock: int | None) -> None:
        assert lock is not None
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the other's cache file is written
        self._read_in_background(lock)  # from that cache file

    def wait(self, timeout: float | None = None) -> bool:
        return self.ready.wait(timeout)

    def after_first_answer(self) -> None:
        """Wait until this process has answered its first request, or FIRST_ANSWER_WAIT:
        background work starts behind the first visitor, not in front of them."""
        self.answered.wait(FIRST_ANSWER_WAIT)

    def _read(self) -> None:
        started = time.monotonic()
        pages = len(self.wiki.refresh().catalog)
        seconds = time.monotonic() - started
        if seconds >= PROGRESS_EVERY_SECONDS:  # say what a slow start was doing
            log.info("Ready: %s pages read in %.1f s.", f"{pages:,}", seconds)
        give_back_freed_memory()
        self.ready.set()

    def _read_in_background(self, lock: int | None) -> None:
        self.after_first_answer()
        self.wiki.read_progress = self._progress
        try:
            self.wiki.refresh()
        except Exception as error:  # a server that cannot read its wiki must say so
            self.error = f"{type(error).__name__}: {error}"
            log.exception("could not read the wiki")
            return
        finally:
            self.wiki.read_progress = None
            if lock is not None:
                os.close(lock)  # the cache file is written: the others may go on
        seconds = time.monotonic() - self._started
        log.info("Ready: %s pages read in %.1f s.", f"{self.pages_total:,}", seconds)
        give_back_freed_memory()  # every page's text was read and dropped (50 MB at 100,000)
        self.ready.set()
        # Page histories read git's commit-graph: a large wiki keeps it up to date.
        if len(self.wiki.refresh().catalog) > COMMIT_GRAPH_ABOVE_PAGES:
            self.wiki.storage.write_commit_graph()

    def _progress(self, done: int, total: int) -> None:
        self.pages_read, self.pages_total = done, total
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_EVERY_SECONDS or done == total:
            self._last_report = now
            percent = 100 * done // max(total, 1)
            log.info("Reading pages: %s of %s (%d%%)", f"{done:,}", f"{total:,}", percent)

    def _lock_file(self) -> int | None:
        """An open descriptor of the instance's start-up lock file (None without a cache)."""
        folder: Path | None = self.wiki.cache_dir
        if folder is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder / STARTUP_LOCK, os.O_RDWR | os.O_CREAT, 0o644)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
