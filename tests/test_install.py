"""A built wheel works on its own: the first run serves the starter wiki."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
    )  # fmt: skip
    (built,) = out.glob("masterywiki-*.whl")
    return built


def test_wheel_carries_templates_static_files_and_starter_content(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "masterywiki/templates/page.html",
        "masterywiki/static/wiki.css",
        "masterywiki/starter/index.md",
        "masterywiki/starter/glossary/rubric.md",
    ):
        assert required in names, required


def test_installed_wheel_first_run_serves_every_starter_page(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # Dependencies come from this interpreter; masterywiki itself only from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)]
    subprocess.run(pip, check=True)
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import masterywiki; print(masterywiki.__file__)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert where.startswith(str(venv)), where

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTERYWIKI_")}
    server = subprocess.Popen(
        [str(venv / "bin/masterywiki"), "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(base + "/-/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        repo = tmp_path / "instance" / "wiki"
        pages = sorted(repo.rglob("*.md"))
        assert len(pages) > 80
        for path in pages:
            relative = path.relative_to(repo).with_suffix("").as_posix()
            url = "/" if relative == "index" else "/" + relative.removesuffix("/index")
            status, html = get(base + url)
            assert status == 200, url
            assert 'class="sidebar"' in html, url
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "Created the wiki repository" in output
