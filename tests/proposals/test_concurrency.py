"""Fifty suggestions from ten people at once, through two gunicorn workers: every one
lands on its own branch with its own id, and the repository stays sound."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.auth_fixtures import add_accounts
from tests.conftest import DATA, git, make_repo
from tests.test_cluster import PASSWORD, Browser, Server, form_field

pytestmark = pytest.mark.slow

USERS, EACH = 10, 5
PAGES = ("guide/first", "guide/second", "glossary/rubric", "index")


class OneServer(Server):
    """A single gunicorn (two workers) on its own repository: no remote."""

    def __init__(self, root: Path, repo: Path) -> None:
        super().__init__(0, root, root / "unused.git")
        self.repo = repo

    def env(self) -> dict[str, str]:
        found = super().env()
        del found["MASTERYWIKI_REMOTE"]
        return {**found, "MASTERYWIKI_REPO": str(self.repo)}


def suggest_many(server: OneServer, username: str, made: list[int], errors: list[str]) -> None:
    try:
        browser = Browser(server.base)
        browser.login(username)
        for n in range(EACH):
            name = PAGES[n % len(PAGES)]
            url = "/index/-/propose" if name == "index" else f"/{name}/-/propose"
            status, page = browser.request(url)
            assert status == 200, (status, page[:300])
            textarea = BeautifulSoup(page, "html.parser").select_one("textarea[name=content]")
            assert textarea is not None
            form = {"content": textarea.get_text() + f"\n{username}-{n}\n",
                    "summary": f"{username}-{n}", "base": form_field(page, "base"),
                    "csrf_token": browser.token}  # fmt: skip
            status, answer = browser.request(url, form, "application/json")
            assert status == 201, (status, answer[:300])
            made.append(json.loads(answer)["id"])
    except BaseException as error:  # reported by the test thread
        errors.append(f"{username}: {error!r}")


def test_fifty_suggestions_at_once_each_get_a_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "wiki", source=DATA / "basic")
    server = OneServer(tmp_path, repo)
    users = [f"user{n}" for n in range(USERS)]
    add_accounts(server.instance, users, "commenter", PASSWORD)
    server.start()
    made: list[int] = []
    errors: list[str] = []
    try:
        threads = [
            threading.Thread(target=suggest_many, args=(server, u, made, errors)) for u in users
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    finally:
        server.stop()
    assert not errors, errors
    assert sorted(made) == list(range(1, USERS * EACH + 1))
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/proposals/").split()
    assert len(refs) == USERS * EACH
    summaries = {git(repo, "log", "-1", "--format=%s", ref) for ref in refs}
    assert summaries == {f"{u}-{n}" for u in users for n in range(EACH)}
    assert git(repo, "rev-list", "--count", "main") == "1"  # main was never touched
    assert git(repo, "fsck", "--strict", "--no-progress") == ""
