"""Counters and latency histograms for `/-/metrics`, in Prometheus' text format. No Flask.

Counting a request is a dictionary increment under a lock held for a moment (no
I/O), so it costs nothing next to serving a cached page. Each server process
counts in memory and, when given a folder, writes its totals there every few
seconds from a background thread (`<pid>.json`); a scrape, answered by whichever
worker gets it, adds up every process's file. Totals of processes that ended are
folded into `retired.json`, so counters never go backwards when gunicorn
replaces a worker.
"""

from __future__ import annotations

import bisect
import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FLUSH_SECONDS = 2.0
SEP = "\x1f"  # joins label values into one JSON key
PREFIX = "masterywiki_"
# Every label value comes from a fixed set, never from the client: each distinct
# value is a series kept forever, so `curl -X FOOBAR1` must not be able to add one.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUSES = frozenset(str(status.value) for status in HTTPStatus)
OTHER = "other"

COUNTERS = {
    "saves": "Commits made on this server (page saves, renames, deletes, comments).",
    "pushes": "Successful pushes to the central repository.",
    "push_failures": "Pushes that failed because the central repository was unreachable.",
    "push_rejections": "Pushes refused because another server pushed first (then merged).",
    "fetches": "Fetches from the central repository.",
    "merges": "Merge commits made to bring in other servers' work.",
    "conflicts": "Merges that kept both versions of a page for an editor.",
    "sync_failures": "Sync rounds that failed (the remote was down or kept moving).",
    "webhooks": "Accepted webhook calls.",
}


def series(route: str, method: str, status: int | str) -> str:
    """The key of a request's series. `route` must be the app's own URL rule (or a
    fixed placeholder), not the path asked for; the method and status are bounded here."""
    method = method if method in METHODS else OTHER
    status = str(status)
    return SEP.join((route, method, status if status in STATUSES else OTHER))


def _empty() -> dict[str, dict[str, Any]]:
    return {"counters": {}, "requests": {}, "latency": {}}


def _add(total: dict[str, dict[str, Any]], part: Mapping[str, Mapping[str, Any]]) -> None:
    for key, value in part.get("counters", {}).items():
        total["counters"][key] = total["counters"].get(key, 0) + value
    for key, value in part.get("requests", {}).items():
        # Bounded again: files written before the bound may hold any method.
        route, method, status = [*key.split(SEP), "", "", ""][:3]
        key = series(route, method, status)
        total["requests"][key] = total["requests"].get(key, 0) + value
    for key, hist in part.get("latency", {}).items():
        mine = total["latency"].setdefault(key, [0] * (len(BUCKETS) + 2))
        for index, value in enumerate(hist):
            mine[index] += value


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Metrics:
    """This process's counts; `folder` (INSTANCE/metrics) shares them between processes."""

    def __init__(self, folder: Path | None = None, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.folder = folder
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._requests: dict[str, int] = {}
        self._latency: dict[str, list[float]] = {}
        self._dirty = False
        self._pid = 0
        self._stop = threading.Event()

    # -- counting (the request path) -------------------------------------------------

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        if self._pid != os.getpid():
            self._start()
        bucket = bisect.bisect_left(BUCKETS, seconds)
        key = series(route, method, status)
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1
            hist = self._latency.get(route)
            if hist is None:
                hist = self._latency[route] = [0] * (len(BUCKETS) + 2)
            hist[bucket] += 1  # the last but one slot is +Inf, the last the sum
            hist[-1] += seconds
            self._dirty = True

    def count(self, name: str, amount: int = 1) -> None:
        if self._pid != os.getpid():
            self._start()
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + amount
            self._dirty = True

    # -- sharing between processes -------------------------------------------------------

    def own(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {
                "counters": dict(self._counters),
                "requests": dict(self._requests),
                "latency": {k: list(v) for k, v in self._latency.items()},
            }

    def _start(self) -> None:
        if self.folder is None:
            self._pid = os.getpid()
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            if self._pid:  # forked: the parent's counts are the parent's
                self._counters, self._requests, self._latency = {}, {}, {}
            self._pid = os.getpid()
        thread = threading.Thread(target=self._flush_loop, name="metrics", daemon=True)
        thread.start()

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            if self._dirty:
                self.flush()

    def close(self) -> None:
        self._stop.set()

    def flush(self) -> None:
        """Write this process's totals to its file (write, then rename)."""
        if self.folder is None:
            return
        self._dirty = False
        data = self.own()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".m-", suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, self.folder / f"{os.getpid()}.json")
        except OSError as error:
            log.warning("could not write metrics to %s: %s", self.folder, error)

    def totals(self) -> dict[str, dict[str, Any]]:
        """Every process's counts added up (this one's fresh, the others' a moment old)."""
        if self.folder is None or not self.folder.is_dir():
            return self.own()
        self.flush()
        total = _empty()
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            retired_file = self.folder / "retired.json"
            retired = _read(retired_file) or _empty()
            folded = False
            for path in self.folder.glob("*.json"):
                if not path.stem.isdigit():
                    continue
                data = _read(path)
                if data is None:
                    continue
                if _alive(int(path.stem)):
                    _add(total, data)
                else:
                    _add(retired, data)
                    path.unlink(missing_ok=True)
                    folded = True
            if folded:
                retired_file.write_text(json.dumps(retired))
            _add(total, retired)
        finally:
            os.close(fd)
        return total


def _read(path: Path) -> dict[str, Any] | None:
    """A process's counts, or None when unreadable or of the wrong shape (logged): one
    damaged file must not break every scrape."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    fields = data if isinstance(data, dict) else {}
    numbers = [fields.get(part, {}) for part in ("counters", "requests")]
    latency = fields.get("latency", {})
    if not (
        fields
        and all(isinstance(n, dict) and all(_is_number(v) for v in n.values()) for n in numbers)
        and isinstance(latency, dict)
        and all(
            isinstance(h, list) and len(h) <= len(BUCKETS) + 2 and all(map(_is_number, h))
            for h in latency.values()
        )
    ):
        log.warning("ignoring %s: not a metrics file", path)
        return None
    return fields


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- the text format ------------------------------------------------------------------------


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render(
    totals: Mapping[str, Mapping[str, Any]], gauges: Iterable[tuple[str, str, float]]
) -> str:
    """Prometheus text exposition (format 0.0.4) of `totals` and (name, help, value) gauges."""
    lines: list[str] = []
    name = PREFIX + "http_requests_total"
    lines += [f"# HELP {name} HTTP requests answered, by route, method and status.",
              f"# TYPE {name} counter"]  # fmt: skip
    for key, value in sorted(totals["requests"].items()):
        route, method, status = key.split(SEP)
        labels = f'route="{_label(route)}",method="{_label(method)}",status="{_label(status)}"'
        lines.append(f"{name}{{{labels}}} {value}")
    name = PREFIX + "http_request_duration_seconds"
    lines += [f"# HELP {name} Time to answer a request, by route.", f"# TYPE {name} histogram"]
    for route, hist in sorted(totals["latency"].items()):
        label = f'route="{_label(route)}"'
        running = 0
        for bound, count in zip([*BUCKETS, None], hist[:-1], strict=True):
            running += int(count)
            le = "+Inf" if bound is None else repr(bound)
            lines.append(f'{name}_bucket{{{label},le="{le}"}} {running}')
        lines.append(f"{name}_sum{{{label}}} {float(hist[-1])!r}")
        lines.append(f"{name}_count{{{label}}} {running}")
    for counter, help_text in COUNTERS.items():
        full = f"{PREFIX}{counter}_total"
        value = totals["counters"].get(counter, 0)
        lines += [f"# HELP {full} {help_text}", f"# TYPE {full} counter", f"{full} {value}"]
    for gauge, help_text, value in gauges:
        full = PREFIX + gauge
        lines += [f"# HELP {full} {help_text}", f"# TYPE {full} gauge", f"{full} {_number(value)}"]
    return "\n".join(lines) + "\n"
