"""Three servers, one wiki: gunicorn processes sharing a central bare repository converge.

Each server is its own instance and clone under gunicorn (two workers) on 127.0.0.1.
Logged-in editors on every server make concurrent writes over HTTP: appends to one
shared page (each writer its own section), to pages of their own, and comments on
one shared thread, each carrying a unique token. One server is stopped and
restarted half-way. When all is quiet, every server has the same HEAD as the
central repository, every token is there, nothing was force-pushed and
`git fsck --strict` is clean everywhere.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.auth_fixtures import add_accounts
from tests.conftest import DATA, git, make_repo

pytestmark = pytest.mark.slow

SERVERS, WRITERS, WRITES = 3, 2, 26  # 3 x 2 x 26 = 156 writes
RESTARTED = 2
PASSWORD = "cluster test password"
SHARED, COMMENTED = "shared/page", "guide/first"


def writer_ids() -> list[str]:
    return [f"s{s}w{w}" for s in range(SERVERS) for w in range(WRITERS)]


def shared_page() -> str:
    sections = [f"## Writer {wid}\n\n- start {wid}\n\n---\n" for wid in writer_ids()]
    return "---\ntitle: Shared\n---\n\n# Shared\n\n" + "\n".join(sections)


def append_to_section(text: str, wid: str, token: str) -> str:
    head = text.index(f"## Writer {wid}\n")
    end = text.index("\n\n---\n", head)
    return text[:end] + f"\n- {token}" + text[end:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Browser:
    """A logged-in editor: cookies, CSRF token, forms, over plain urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""

    def request(
        self, path: str, data: dict[str, str] | None = None, accept: str = "text/html"
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Accept": accept, "X-CSRFToken": self.token}
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, username: str) -> None:
        _, page = self.request("/-/login")
        self.token = form_field(page, "csrf_token")
        status, _ = self.request("/-/login", {"username": username, "password": PASSWORD,
                                              "csrf_token": self.token})  # fmt: skip
        assert status == 200, f"login of {username} failed: {status}"
        _, page = self.request(f"/{COMMENTED}/-/edit")
        self.token = form_field(page, "csrf_token")  # a login starts a new session token

    def append(self, name: str, token: str, wid: str) -> None:
        status, page = self.request(f"/{name}/-/edit")
        assert status == 200, (status, page[:300])
        html = BeautifulSoup(page, "html.parser")
        textarea = html.select_one("textarea[name=content]")
        assert textarea is not None
        text = textarea.get_text()
        if name == SHARED:
            text = append_to_section(text, wid, token)
        else:
            text = text.rstrip("\n") + f"\n\n- {token}\n"
        form = {"content": text, "summary": token, "base": form_field(page, "base"),
                "csrf_token": self.token}  # fmt: skip
        status, answer = self.request(f"/{name}/-/edit", form)
        assert status == 200, f"save of {token} answered {status}: {answer[:500]}"

    def comment(self, token: str) -> None:
        form = {"body": f"Comment {token}", "csrf_token": self.token}
        status, answer = self.request(f"/{COMMENTED}/-/comments", form, "application/json")
        assert status == 201, f"comment {token} answered {status}: {answer[:300]}"


def form_field(page: str, name: str) -> str:
    found = BeautifulSoup(page, "html.parser").select_one(f"input[name={name}]")
    assert found is not None, f"no {name} field"
    return str(found.get("value", ""))


class Server:
    def __init__(self, index: int, root: Path, central: Path) -> None:
        self.index = index
        self.instance = root / f"server{index}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.central = central
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / f"server{index}.log"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MASTERYWIKI_INSTANCE": str(self.instance),
            "MASTERYWIKI_REMOTE": str(self.central),
            "MASTERYWIKI_FETCH_INTERVAL": "1",
            "MASTERYWIKI_COMMENT_RATE_LIMIT": "0",
            "MASTERYWIKI_LOG_FORMAT": "json",
        }

    def add_users(self) -> None:
        names = [f"s{self.index}w{writer}" for writer in range(WRITERS)]
        add_accounts(self.instance, names, "editor", PASSWORD)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}",
                 "--timeout", "60", "--graceful-timeout", "20", "masterywiki:create_app()"],
                env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.instance.parent,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if self.health()["status"] == "ok":
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + "/-/healthz", timeout=10) as response:
            found: dict[str, Any] = json.loads(response.read())
            return found


def run_writer(server: Server, wid: str, gate: threading.Barrier, resume: threading.Event,
               errors: list[str], tokens: dict[str, list[str]]) -> None:  # fmt: skip
    try:
        browser = Browser(server.base)
        browser.login(wid)
        for n in range(WRITES):
            if server.index == RESTARTED and n == WRITES // 2:
                gate.wait(timeout=120)  # the test restarts this server now
                resume.wait(timeout=120)
            token = f"tok-{wid}-{n:03d}"
            kind = ("shared", "own", "comment")[n % 3]
            if kind == "shared":
                browser.append(SHARED, token, wid)
            elif kind == "own":
                browser.append(f"own/{wid}", token, wid)
            else:
                browser.comment(token)
            tokens[kind].append(token)
    except BaseException as error:  # reported by the test thread
        errors.append(f"{wid}: {error!r}")
        gate.abort()


def test_three_servers_converge(tmp_path: Path) -> None:
    seed = make_repo(tmp_path / "seed", source=DATA / "basic")
    (seed / "shared").mkdir()
    (seed / "shared" / "page.md").write_text(shared_page())
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "Shared page")
    central = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(central))
    git(central, "config", "receive.denyNonFastForwards", "true")
    git(central, "config", "core.logAllRefUpdates", "always")

    servers = [Server(i, tmp_path, central) for i in range(SERVERS)]
    started = time.monotonic()
    try:
        for server in servers:
            server.add_users()
            server.start()
        errors: list[str] = []
        tokens: dict[str, list[str]] = {"shared": [], "own": [], "comment": []}
        gate = threading.Barrier(WRITERS + 1)
        resume = threading.Event()
        threads = [
            threading.Thread(target=run_writer,
                             args=(servers[s], f"s{s}w{w}", gate, resume, errors, tokens))
            for s in range(SERVERS) for w in range(WRITERS)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        try:
            gate.wait(timeout=120)  # the restarted server's writers are half-way
        except threading.BrokenBarrierError:
            raise AssertionError(f"a writer failed: {errors}") from None
        servers[RESTARTED].stop()
        time.sleep(1.0)  # the others keep writing meanwhile
        servers[RESTARTED].start()
        resume.set()
        for thread in threads:
            thread.join(timeout=150)
        assert not errors, errors
        assert sum(len(found) for found in tokens.values()) == SERVERS * WRITERS * WRITES >= 150

        heads = wait_for_quiet(servers, central)
        print(f"\nconverged at {heads} after {time.monotonic() - started:.1f}s")
    finally:
        for server in servers:
            server.stop()

    final = git(central, "rev-parse", "main")
    for server in servers:
        assert git(server.instance / "wiki", "rev-parse", "HEAD") == final
    shared = git(central, "show", f"main:{SHARED}.md")
    assert all(f"- {token}\n" in shared + "\n" for token in tokens["shared"])
    for wid in writer_ids():
        own = git(central, "show", f"main:own/{wid}.md")
        assert all(token in own for token in tokens["own"] if token.startswith(f"tok-{wid}-"))
    lines = git(central, "show", f"main:{COMMENTED}.comments.jsonl").splitlines()
    bodies = [json.loads(line)["body"] for line in lines]
    assert sorted(bodies) == sorted(f"Comment {token}" for token in tokens["comment"])
    tree = git(central, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert not any(".sync-" in path for path in tree)
    assert "sync_conflict" not in shared, "appends to separate sections merge cleanly"
    assert_fast_forwards_only(central)
    for repo in [central, *(server.instance / "wiki" for server in servers)]:
        git(repo, "fsck", "--strict")


def wait_for_quiet(servers: list[Server], central: Path, timeout: float = 90) -> str:
    """Until every server reports the central tip as its HEAD, with nothing to push."""
    deadline = time.monotonic() + timeout
    while True:
        tip = git(central, "rev-parse", "main")
        states = [server.health()["git"] for server in servers]
        if all(s["head"] == tip and s["ahead"] == 0 and s["behind"] == 0 for s in states):
            time.sleep(2.5)  # two more fetch intervals: still quiet?
            if git(central, "rev-parse", "main") == tip and all(
                server.health()["git"]["head"] == tip for server in servers
            ):
                return tip
        assert time.monotonic() < deadline, f"no convergence: central {tip}, servers {states}"
        time.sleep(0.5)


def assert_fast_forwards_only(central: Path) -> None:
    """The central branch's reflog: every update moved it forward, none rewrote it."""
    updates = (central / "logs" / "refs" / "heads" / "main").read_text().splitlines()
    assert len(updates) > 10
    for line in updates:
        old, new = line.split()[:2]
        if set(old) != {"0"}:
            git(central, "merge-base", "--is-ancestor", old, new)
