"""`masterywiki serve` runs a production server: several workers, one set of messages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from masterywiki.web.serving import default_workers, gunicorn_options
from tests.live_server import free_port, get
from tests.processes import children_of


def wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            if get(base + "/-/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer")


def _output_after_stopping(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """What the server printed once it stopped on Ctrl+C; a server still running after
    `timeout` s is killed and fails the test with its output."""
    try:
        return process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate()[0]
        raise AssertionError(f"the server did not stop on Ctrl+C:\n{output[-3000:]}") from None


# Starts the rest of its command line with Ctrl+C ignored, as a shell script's `command &`
# does (and so some CI runners): the processes it starts inherit that.
IGNORING_CTRL_C = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def assert_nothing_listens(base: str) -> None:
    try:
        urllib.request.urlopen(base, timeout=2)
    except urllib.error.URLError:
        return
    raise AssertionError(f"{base} still answers")


@pytest.mark.parametrize("started_ignoring_ctrl_c", [False, True], ids=["terminal", "script"])
def test_serve_uses_workers_prints_once_logs_requests_and_stops_on_ctrl_c(
    tmp_path: Path, started_ignoring_ctrl_c: bool
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTERYWIKI_")}
    launcher = ["-c", IGNORING_CTRL_C] if started_ignoring_ctrl_c else []
    command = ["-m", "masterywiki", "serve", "--port", str(port), "--workers", "3"]
    process = subprocess.Popen(
        [sys.executable, *launcher, *command],
        cwd=tmp_path, env={**env, "PYTHONUNBUFFERED": "1"}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        status, html = get(base + "/glossary/rubric")
        assert status == 200 and "Rubric" in html
        assert get(base + "/no-such-page")[0] == 404
        assert len(children_of(process.pid)) == 3
    finally:
        # Ctrl+C in a terminal signals the whole process group.
        os.killpg(process.pid, signal.SIGINT)
        output = _output_after_stopping(process)
    assert process.returncode == 0, output
    lines = output.splitlines()
    assert sum(line.startswith("Created the wiki repository") for line in lines) == 1
    assert sum(line.startswith("No admin yet: open") for line in lines) == 1
    assert f"at {base}/ with 3 worker processes" in output
    assert any(line.endswith("masterywiki.request: GET /glossary/rubric 200") for line in lines)
    assert any(line.endswith("masterywiki.request: GET /no-such-page 404") for line in lines)
    assert "development server" not in output
    assert "Traceback" not in output
    assert_nothing_listens(base)


def test_gunicorn_options_are_a_production_server_like_gunicorn_w() -> None:
    options = gunicorn_options("::1", 8080, 3)
    assert options["bind"] == "[::1]:8080"
    assert options["workers"] == 3 and options["worker_class"] == "sync"
    assert options["accesslog"] is None
    assert 2 <= default_workers() <= 4


@pytest.mark.parametrize("started_ignoring_ctrl_c", [False, True], ids=["terminal", "script"])
def test_serve_dev_runs_flasks_reloading_server(
    tmp_path: Path, started_ignoring_ctrl_c: bool
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTERYWIKI_")}
    launcher = ["-c", IGNORING_CTRL_C] if started_ignoring_ctrl_c else []
    process = subprocess.Popen(
        [sys.executable, *launcher, "-m", "masterywiki", "serve", "--dev", "--port", str(port)],
        cwd=tmp_path, env={**env, "PYTHONUNBUFFERED": "1"}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        assert get(base + "/glossary/rubric")[0] == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output = _output_after_stopping(process)
    assert f"at {base}/ on the development server" in output
    assert "Restarting with stat" in output  # werkzeug's reloader watches the code
    assert output.count("No admin yet: open") == 1  # the reloader's child says nothing again
