"""Real `masterywiki serve` processes on free ports, and Debian's chromium driven by Playwright.

Each test module gets its own server on a fresh instance (the starter wiki, a few
accounts), so journeys that edit, move or comment never change what another module
sees. Starting one takes well under a second.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import PASSWORD, SCREENSHOTS_DOCS, USERS
from tests.live_server import stop_process

SAVED_TO: list[Path] = []  # the run's screenshot folder, named in the summary
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Server:
    """A `masterywiki serve` subprocess and what the tests need to know about it."""

    url: str
    instance: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def repo(self) -> Path:
        return self.instance / "wiki"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _masterywiki(*args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "masterywiki", *args],
        input=stdin.encode() if stdin is not None else None,
        check=True,
        capture_output=True,
        timeout=60,
    )


def make_instance(instance: Path) -> None:
    """A new instance with the starter wiki and the USERS accounts, made with the CLI."""
    for name, role in USERS.items():
        _masterywiki(
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--instance",
            str(instance),
            stdin=PASSWORD + "\n",
        )


def start_server(folder: Path, template: Path) -> Server:
    """Copy the template instance, start `masterywiki serve` on it, wait until it answers."""
    instance = folder / "instance"
    shutil.copytree(template, instance, symlinks=True)
    port = _free_port()
    log = folder / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "masterywiki", "serve", "--instance", str(instance),
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/-/healthz", timeout=2) as answer:
                if json.load(answer)["status"] == "ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"masterywiki serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return Server(url, instance, process, log)


def stop_server(server: Server) -> None:
    stop_process(server.process)


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    instance = tmp_path_factory.mktemp("template") / "instance"
    make_instance(instance)
    return instance


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, template_instance: Path) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("wiki"), template_instance)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def live_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots of every run are kept under pytest's temporary folder."""
    folder = tmp_path_factory.mktemp("screenshots")
    SAVED_TO.append(folder)
    return folder


@pytest.fixture(scope="session")
def save_screenshot(screenshot_dir: Path) -> Callable[[Any, str], Path]:
    """Save a viewport-sized screenshot; with MASTERYWIKI_UPDATE_SCREENSHOTS=1 also
    refresh the committed copy in docs/screenshots/ (which the README shows)."""
    update_docs = os.environ.get("MASTERYWIKI_UPDATE_SCREENSHOTS") == "1"

    def save(page: Any, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        if update_docs:
            SCREENSHOTS_DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS_DOCS / path.name)
        return path

    return save


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for folder in SAVED_TO:
        if any(folder.iterdir()):
            terminalreporter.write_line(f"browser screenshots saved in {folder}")
