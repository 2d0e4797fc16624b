"""The README's set-up line, run as written in a fresh clone, gives the starter wiki.

A school's first contact with masterywiki is that one line: a `.venv` in the
clone, a plain (not editable) install, `masterywiki serve`. This test reads the
line from the README, so the README cannot drift from what is proven here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.live_server import free_port, get

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
INSTALL_SECONDS = 600  # a fresh venv downloads every dependency from the package registry


def setup_line() -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"## Set up and run\n\n```sh\n(.+?)\n```", readme, re.S)
    assert len(blocks) == 1, "the README has one set-up block"
    (line,) = blocks[0].strip().splitlines()
    assert line.endswith("masterywiki serve"), "the line ends by starting the wiki"
    return line


def title_of(path: Path) -> str:
    text = path.read_text()
    front = yaml.safe_load(text.split("---\n")[1]) if text.startswith("---\n") else {}
    return str(front["title"])


def user_environment() -> dict[str, str]:
    """A shell as a person has it: no test venv on the PATH, no wiki settings."""
    ours = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != ours)
    keep = {k: v for k, v in os.environ.items() if not k.startswith("MASTERYWIKI_")}
    for ours_only in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        keep.pop(ours_only, None)
    return {**keep, "PATH": path, "PYTHONUNBUFFERED": "1"}


def test_readme_setup_line_serves_the_starter_wiki(tmp_path: Path) -> None:
    clone = tmp_path / "masterywiki"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = free_port()
    log = tmp_path / "setup.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-c", f"{setup_line()} --port {port}"],
            cwd=clone, env=user_environment(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + INSTALL_SECONDS
        while True:
            assert process.poll() is None, f"the set-up line stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no wiki after the set-up:\n{log.read_text()}"
            try:
                if get(base + "/-/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)

        where = "import masterywiki; print(masterywiki.__file__)"
        installed = subprocess.run(
            [str(clone / ".venv/bin/python"), "-c", where],
            capture_output=True, text=True, check=True, cwd=tmp_path,
        ).stdout  # fmt: skip
        assert installed.startswith(str(clone / ".venv")), "a real install, not the checkout"

        starter = clone / "wiki"
        status, home = get(base + "/")
        assert status == 200
        assert BeautifulSoup(home, "html.parser").h1.get_text(strip=True) == title_of(
            starter / "index.md"
        )

        status, glossary = get(base + "/-/glossary")
        assert status == 200
        links = BeautifulSoup(glossary, "html.parser").select("a")
        listed = {a.get_text(strip=True) for a in links}
        terms = [p for p in (starter / "glossary").glob("*.md") if p.name != "index.md"]
        assert len(terms) >= 30
        assert {title_of(p) for p in terms} <= listed

        repo = clone / "instance" / "wiki"
        served = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        shipped = subprocess.run(
            ["git", "-C", str(clone), "ls-files", "wiki"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert sorted(served) == sorted(p.removeprefix("wiki/") for p in shipped)

        for page in sorted(repo.rglob("*.md")):
            name = page.relative_to(repo).with_suffix("").as_posix()
            if name.startswith("_templates/"):  # templates for new pages, not pages
                continue
            url = "/" if name == "index" else "/" + name.removesuffix("/index")
            assert get(base + url)[0] == 200, url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text()
    assert process.returncode == 0, output
    assert "Created the wiki repository" in output
    assert output.count("No admin yet: open") == 1
