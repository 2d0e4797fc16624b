"""The once-per-process background thread that git sync and email notices run on."""

from __future__ import annotations

import threading

from masterywiki.support.background import BackgroundThread


def test_starts_once_and_never_again_after_stop() -> None:
    runs: list[str] = []
    worker: BackgroundThread

    def target() -> None:
        runs.append(threading.current_thread().name)
        worker.stopped.wait()

    worker = BackgroundThread(target, "test-worker")
    prepared: list[bool] = []
    worker.start(prepare=lambda: prepared.append(True))
    first = worker.thread
    worker.start(prepare=lambda: prepared.append(True))
    assert worker.thread is first and prepared == [True]
    worker.stop(timeout=5)
    assert first is not None and not first.is_alive()
    assert runs == ["test-worker"]
    worker.start()
    assert worker.thread is first, "a stopped worker does not start again"


def test_stop_wakes_a_sleeping_thread() -> None:
    wake = threading.Event()
    woke: list[bool] = []

    def target() -> None:
        woke.append(wake.wait(30))

    worker = BackgroundThread(target, "sleeper", wake=wake)
    worker.start()
    worker.stop(timeout=5)
    assert woke == [True]
