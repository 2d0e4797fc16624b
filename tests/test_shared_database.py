"""Three servers, one PostgreSQL, one git remote: they act as one wiki for people.

Each server is its own gunicorn (two workers) with its own instance folder and
clone; they share `database_url`, `secret_key` and `remote`. A login on one server
is a login on all, a reader's suggested edit made on one is merged on another (its
branch travels through the remote, and she is told once), failed logins count
across all of them, an account removed on one cannot act on the others, and every
watchlist email is sent exactly once although six notifier threads share one outbox.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from masterywiki.db.database import Database, engine_url
from masterywiki.people.accounts import Accounts
from masterywiki.watching.watchlist import Watchlist
from tests.auth_fixtures import FAST_HASHER
from tests.conftest import DATA, git, make_repo
from tests.mail import Inbox, SmtpServer
from tests.test_cluster import (
    PASSWORD,
    Browser,
    Server,
    form_field,
    free_port,
    wait_for_quiet,
)

pytestmark = pytest.mark.slow


class SharedServer(Server):
    def __init__(self, index: int, root: Path, central: Path, shared: dict[str, str]) -> None:
        super().__init__(index, root, central)
        self.shared = shared

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.shared}


def browser_on(server: Server, like: Browser) -> Browser:
    """The same person (cookies and CSRF token) talking to another server."""
    other = Browser(server.base)
    other.opener, other.token = like.opener, like.token
    return other


def test_three_servers_share_people_sessions_limits_and_one_outbox(
    tmp_path: Path, postgres_url: str
) -> None:
    seed = make_repo(tmp_path / "seed", source=DATA / "basic")
    central = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(central))
    smtp = SmtpServer(free_port(), Inbox())
    smtp.start()
    database = Database(engine_url(postgres_url, tmp_path))
    accounts = Accounts(database, hasher=FAST_HASHER)
    for username, role in (("ada", "editor"), ("rob", "editor"), ("eve", "editor")):
        accounts.add_user(username, PASSWORD, role, email=f"{username}@example.org")
    accounts.add_user("wendy", PASSWORD, "reader", email="wendy@example.org")
    watchlist = Watchlist(database)
    watchlist.watch("wendy", "guide", "section")
    watchlist.set_email("wendy", True)
    shared = {
        "MASTERYWIKI_DATABASE_URL": postgres_url,
        "MASTERYWIKI_SECRET_KEY": "one key for every server " * 2,
        "MASTERYWIKI_SMTP_HOST": "127.0.0.1",
        "MASTERYWIKI_SMTP_PORT": str(smtp.port),
        "MASTERYWIKI_SMTP_STARTTLS": "false",
        "MASTERYWIKI_NOTIFY_BATCH_SECONDS": "1",
        "MASTERYWIKI_BASE_URL": "http://wiki.example.org",
    }
    servers = [SharedServer(i, tmp_path, central, shared) for i in range(3)]
    try:
        for server in servers:
            server.start()
        wait_for_the_first_notifier_round(database)

        # A login on server 1 is a login on servers 2 and 3.
        ada = Browser(servers[1].base)
        ada.login("ada")
        browser_on(servers[2], ada).append("guide/first", "edited-on-two", "")
        browser_on(servers[0], ada).append("guide/from-one", "written-on-one", "")
        browser_on(servers[2], ada).comment("commented-on-three")

        # A suggestion made on server 1 is merged on server 3: its branch travels.
        suggest_on_one_merge_on_another(servers, ada)

        # An account removed on one server cannot act on the others.
        rob = Browser(servers[0].base)
        rob.login("rob")
        # Another page than ada's: two appends at one place from two servers would be a
        # true conflict (409) whenever server 1 fetched hers between form and save.
        browser_on(servers[1], rob).append("guide/second", "rob-before", "")
        subprocess.run(
            [sys.executable, "-m", "masterywiki", "user", "remove", "rob",
             "--instance", str(servers[0].instance)],
            env=servers[0].env(), check=True, capture_output=True,
        )  # fmt: skip
        for server in servers[1:]:
            form = {"body": "after removal", "csrf_token": rob.token}
            status, _ = browser_on(server, rob).request(
                "/guide/first/-/comments", form, "application/json"
            )
            assert status == 401

        # Ten failed logins spread over the three servers lock the account everywhere
        # (and, all of them coming from 127.0.0.1, that address).
        for attempt in range(10):
            status, _ = login_attempt(servers[attempt % 3], "eve", "wrong password")
            assert status == 401, attempt
        for server in servers:
            status, page = login_attempt(server, "eve", PASSWORD)
            assert status == 429 and "Too many failed logins" in page

        wait_for_quiet(servers, central)
        messages = wait_for_mail(smtp.inbox, ["edited-on-two", "written-on-one", "rob-before"])
        time.sleep(5)  # a few more notifier rounds on every server: nothing more may come
        with database.read() as db:
            assert db.value("SELECT COUNT(*) FROM notify_outbox") == 0
    finally:
        for server in servers:
            server.stop()
        smtp.stop()
        database.close()
    messages = [m.get_content() for m in smtp.inbox.to("wendy@example.org")]
    for token in ("edited-on-two", "written-on-one", "rob-before"):
        assert sum(token in body for body in messages) == 1, (token, messages)
    merged = [body for body in messages if "merged your suggested edit" in body]
    assert len(merged) == 1 and "/-/proposals/1" in merged[0]
    assert len(smtp.inbox.messages) == len(messages), "only wendy watches"


def suggest_on_one_merge_on_another(servers: list[SharedServer], editor: Browser) -> None:
    wendy = Browser(servers[0].base)
    wendy.login("wendy")
    status, page = wendy.request("/glossary/rubric/-/propose")
    assert status == 200, page[:300]
    html = BeautifulSoup(page, "html.parser")
    textarea = html.select_one("textarea[name=content]")
    assert textarea is not None
    wendy.token = form_field(page, "csrf_token")
    form = {"content": textarea.get_text() + "\nsuggested-by-wendy\n", "summary": "A line",
            "base": form_field(page, "base"), "csrf_token": wendy.token}  # fmt: skip
    status, page = wendy.request("/glossary/rubric/-/propose", form)
    assert status == 200 and "waiting for an editor" in page, page[:500]
    on_three = browser_on(servers[2], editor)
    deadline = time.monotonic() + 30
    while on_three.request("/-/api/v1/proposals/1", accept="application/json")[0] != 200:
        assert time.monotonic() < deadline, "the suggestion never reached server 3"
        time.sleep(0.2)
    status, page = on_three.request("/-/proposals/1/merge", {"csrf_token": editor.token})
    assert status == 200, page[:500]
    assert "suggested-by-wendy" in on_three.request("/glossary/rubric/-/raw")[1]
    deadline = time.monotonic() + 30
    while '"merged"' not in wendy.request("/-/api/v1/proposals/1", accept="application/json")[1]:
        assert time.monotonic() < deadline, "server 1 never learned of the merge"
        time.sleep(0.2)


def login_attempt(server: Server, username: str, password: str) -> tuple[int, str]:
    browser = Browser(server.base)
    _, page = browser.request("/-/login")
    from tests.test_cluster import form_field

    token = form_field(page, "csrf_token")
    return browser.request(
        "/-/login", {"username": username, "password": password, "csrf_token": token}
    )


def wait_for_the_first_notifier_round(database: Database, timeout: float = 30) -> None:
    """The first round only notes where history stands; edits before it are not news."""
    deadline = time.monotonic() + timeout
    while True:
        with database.read() as db:
            if db.value("SELECT COUNT(*) FROM notify_cursor"):
                return
        assert time.monotonic() < deadline, "no notifier ran"
        time.sleep(0.2)


def wait_for_mail(inbox: Inbox, tokens: list[str], timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        bodies = [m.get_content() for m in inbox.to("wendy@example.org")]
        if all(any(token in body for body in bodies) for token in tokens):
            return bodies
        assert time.monotonic() < deadline, f"mail missing: {tokens} in {bodies}"
        time.sleep(0.5)
