"""Other processes as the tests see them, from `/proc` (Linux): children, liveness."""

from __future__ import annotations

import time
from pathlib import Path


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of `/proc/<pid>/stat` after the command's name: state, ppid, ..."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def _processes() -> list[Path]:
    return [entry for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid`."""
    found = []
    for entry in _processes():
        try:
            fields = _stat_fields(entry.name)
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def processes_mentioning(needle: str) -> list[int]:
    """Live processes whose command line contains `needle`."""
    found = []
    for entry in _processes():
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:  # it ended meanwhile
            continue
        if needle.encode() in command:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs: a zombie (ended, not yet reaped) does not."""
    try:
        return _stat_fields(pid)[0] != "Z"
    except OSError:
        return False


def gone_within(pids: list[int], seconds: float) -> bool:
    """Whether every process of `pids` has ended within `seconds`."""
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
