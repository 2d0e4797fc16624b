"""A background thread that runs once per process, started again in a forked child."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


def _nothing() -> None:
    pass


class BackgroundThread:
    """One daemon thread running `target` in each process that calls `start()`.

    Threads do not survive a fork, so in a forked child (a gunicorn worker after
    `--preload`) `start()` starts a fresh one. `target` should return once
    `stopped` is set; `wake`, if given, is the event it sleeps on, which `stop()`
    sets too so that a sleeping thread notices at once.
    """

    def __init__(
        self, target: Callable[[], None], name: str, wake: threading.Event | None = None
    ) -> None:
        self.target = target
        self.name = name
        self.wake = wake
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()

    def start(self, prepare: Callable[[], None] = _nothing) -> None:
        """Start the thread unless this process runs it already or it was stopped;
        `prepare` runs first, once for each thread started."""
        if self._pid == os.getpid() or self.stopped.is_set():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            prepare()
            self.thread = threading.Thread(target=self.target, name=self.name, daemon=True)
            self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Set `stopped` for good and wait up to `timeout` for this process's thread."""
        self.stopped.set()
        if self.wake is not None:
            self.wake.set()
        if self.thread is not None and self._pid == os.getpid():
            self.thread.join(timeout)
