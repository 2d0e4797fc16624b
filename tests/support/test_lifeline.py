"""Helper processes end with the process that started them, killed or not."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from masterywiki.support import lifeline
from tests.processes import alive, gone_within

HELPER = """
import os, sys, time
from pathlib import Path
from masterywiki.support.lifeline import end_with
if sys.argv[1] == "with":
    end_with(int(sys.argv[2]))
Path(sys.argv[3]).write_text(str(os.getpid()))
time.sleep(120)
"""

PARENT = """
import os, subprocess, sys, time
for kind in ("with", "without"):
    subprocess.Popen([sys.executable, sys.argv[1], kind, str(os.getpid()), sys.argv[2] + kind])
time.sleep(120)
"""

FORKING_PARENT = """
import os, sys, time
from pathlib import Path
from masterywiki.support.forked import run_forked

def work(share, report):
    Path(sys.argv[1], f"worker-{os.getpid()}").touch()
    time.sleep(120)

run_forked(work, [1, 2], 2)
"""


def kill_left(pids: list[int]) -> None:
    """End what a failed test left running."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_helper_whose_parent_ended_before_it_asked_ends_at_once() -> None:
    script = "import time\nfrom masterywiki.support import lifeline\nlifeline.end_with(0)\n"
    done = subprocess.run([sys.executable, "-c", script + "time.sleep(60)"], timeout=30)
    assert done.returncode == -signal.SIGTERM


def test_a_helper_ends_when_its_parent_is_killed_and_only_if_it_asked(tmp_path: Path) -> None:
    helper = tmp_path / "helper.py"
    helper.write_text(HELPER)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(helper), str(tmp_path / "pid-")])
    asked, other = tmp_path / "pid-with", tmp_path / "pid-without"
    try:
        deadline = time.monotonic() + 30
        while not (asked.exists() and other.exists() and asked.read_text() and other.read_text()):
            assert time.monotonic() < deadline, "the helpers did not start"
            time.sleep(0.05)
        with_pid, without_pid = int(asked.read_text()), int(other.read_text())
        time.sleep(0.2)
        assert alive(with_pid), "a helper ended while its parent ran"
        parent.kill()
        parent.wait()
        assert gone_within([with_pid], 10), "the helper outlived its killed parent"
        assert alive(without_pid)  # the killing alone does not end a helper
    finally:
        parent.kill()
        parent.wait()
        kill_left([int(f.read_text()) for f in (asked, other) if f.exists() and f.read_text()])


def test_forked_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", FORKING_PARENT, str(tmp_path)])
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("worker-*"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        workers = [int(path.name.removeprefix("worker-")) for path in tmp_path.glob("worker-*")]
        parent.kill()
        parent.wait()
        assert gone_within(workers, 10), "forked workers outlived their killed parent"
    finally:
        parent.kill()
        parent.wait()
        kill_left([int(path.name.removeprefix("worker-")) for path in tmp_path.glob("worker-*")])


def test_elsewhere_than_linux_nothing_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert lifeline.end_with(0) is False
