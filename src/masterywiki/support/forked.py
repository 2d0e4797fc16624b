"""Run work in forked processes, with progress messages and one clear failure.

Rendering and indexing are pure Python, so forking is the only way to use more than
one core. Each worker gets a share of the items and a `report` callback; what it
returns comes back to the parent. A worker that raises or dies fails the whole run.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from typing import Any

from masterywiki.support.lifeline import end_with

Report = Callable[[Any], None]
Work = Callable[[list[Any], Report], Any]


class ForkedWorkFailed(Exception):
    pass


def default_processes() -> int:
    """One worker per CPU, at most 8 (past that, reading git and writing files dominate)."""
    return max(1, min(os.cpu_count() or 1, 8))


def _child(work: Work, share: list[Any], results: Any, parent: int) -> None:
    end_with(parent)  # a parent killed mid-run no longer leaves its workers running
    try:
        outcome = work(share, lambda message: results.put(("report", message)))
        results.put(("done", outcome))
    except BaseException as error:
        results.put(("error", f"{type(error).__name__}: {error}"))


def run_forked(
    work: Work, items: Sequence[Any], processes: int, on_report: Report | None = None
) -> list[Any]:
    """`work(share, report)` in `processes` forked workers; returns their results.

    Raises ForkedWorkFailed with the first error when any worker fails or dies.
    """
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    parent = os.getpid()
    workers = [
        context.Process(
            target=_child, args=(work, list(items[i::processes]), results, parent), daemon=True
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Any] = []
    errors: list[str] = []
    try:
        while len(outcomes) + len(errors) < len(workers):
            try:
                kind, value = results.get(timeout=5)
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and results.empty():
                    errors.append("a worker process died")
                continue
            if kind == "report":
                if on_report is not None:
                    on_report(value)
            elif kind == "done":
                outcomes.append(value)
            else:
                errors.append(value)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    if errors:
        raise ForkedWorkFailed(errors[0])
    return outcomes
