"""Watchlist email notices against a real SMTP server (aiosmtpd on 127.0.0.1) and a
real git repository: batching, own edits left out, SMTP down, racing processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from masterywiki.db.database import Database
from masterywiki.discussion.service import CommentService, Policy
from masterywiki.git.storage import Author, GitStorage
from masterywiki.people.accounts import Accounts, User
from masterywiki.repository.edits import Editor
from masterywiki.repository.history import History
from masterywiki.repository.wiki import Wiki
from masterywiki.watching.notices import Mail, default_sender
from masterywiki.watching.notify import FIRST_RETRY, Notifier, Outcome, SmtpMailer
from masterywiki.watching.watchlist import WatchedChanges, Watchlist
from masterywiki.web.app import create_app
from masterywiki.web.views.watch import EXTENSION
from tests.auth_fixtures import (
    FAST_HASHER,
    PASSWORD,
    accounts_of,
    csrf_token,
    login,
    make_user,
)
from tests.conftest import git
from tests.live_server import free_port
from tests.mail import Inbox, SmtpServer, wait_for

ADA = Author("Ada Coach", "ada@example.org")
EDNA = Author("Edna", "edna@example.org")
BATCH = 60.0
MAIL = Mail("Riverbend Handbook", "https://wiki.example.org", "Riverbend <wiki@example.org>")


@dataclass
class Setup:
    editor: Editor
    accounts: Accounts
    watchlist: Watchlist
    comments: CommentService

    def notifier(self, port: int, wiki: Wiki | None = None) -> Notifier:
        wiki = wiki or self.editor.wiki
        mailer = SmtpMailer("127.0.0.1", port, starttls=False, timeout=5)
        changes = WatchedChanges(History(wiki))
        return Notifier(wiki, self.watchlist, changes, mailer, MAIL, BATCH)

    def save(self, name: str, text: str, summary: str, who: Author = ADA) -> str:
        result = self.editor.save(name, text, summary, self.editor.storage.head(), who)
        assert result.commit is not None
        return result.commit


@pytest.fixture
def setup(basic_repo: Path, database: Database) -> Iterator[Setup]:
    accounts = Accounts(database, hasher=FAST_HASHER)
    for username, address in (("edna", "edna@example.org"), ("bo", "bo@example.org")):
        accounts.add_user(username, PASSWORD, "editor", name=username.title(), email=address)
    accounts.add_user("rita", PASSWORD, "reader")  # no email address
    watchlist = Watchlist(database)
    for username, target, scope in (
        ("edna", "guide", "section"),
        ("bo", "guide/first", "page"),
        ("rita", "guide", "section"),
    ):
        watchlist.watch(username, target, scope)
        watchlist.set_email(username, True)
    storage = GitStorage(basic_repo)
    editor = Editor(Wiki(storage), max_page_bytes=100_000)
    comments = CommentService(editor.wiki, Policy())
    yield Setup(editor, accounts, watchlist, comments)
    storage.close()


def started(notifier: Notifier) -> Notifier:
    """A notifier past its first run, which only notes where history stands."""
    outcome = notifier.run_once(time.time())
    assert outcome.queued == outcome.sent == 0
    return notifier


def later(seconds: float = BATCH + 1) -> float:
    return time.time() + seconds


def test_a_burst_makes_one_email_per_watcher(setup: Setup, smtp: SmtpServer) -> None:
    notifier = started(setup.notifier(smtp.port))
    setup.save("guide/first", "# First\n\nRetakes are allowed.\n", "Explain retakes")
    setup.save("guide/second", "# Second\n\nNew rubric rows.\n", "Add rubric rows")
    setup.save("guide/first", "# First\n\nRetakes are allowed twice.\n", "Limit retakes")
    setup.save("glossary/rubric", "# Rubric\n\nchanged\n", "Not watched by anyone")
    bo = User("bo", "Bo", "bo@example.org", "editor")
    setup.comments.post("guide/first", "Do retakes count the same?", bo)

    waiting = notifier.run_once(time.time())
    assert waiting.waiting and waiting.sent == 0, "the burst is still going"
    assert smtp.inbox.messages == []

    done = notifier.run_once(later())
    assert (done.queued, done.sent, done.failed) == (2, 2, 0)
    (to_edna,) = smtp.inbox.to("edna@example.org")
    (to_bo,) = smtp.inbox.to("bo@example.org")
    assert len(smtp.inbox.messages) == 2, "rita has no address; nobody else watches"

    text = to_edna.get_content()
    assert to_edna["Subject"] == "[Riverbend Handbook] 4 changes to 2 pages you watch"
    assert to_edna["To"] == "Edna <edna@example.org>"
    assert to_edna["From"] == MAIL.sender
    assert to_edna["Auto-Submitted"] == "auto-generated"
    for expected in ("Hello Edna,", "First (/guide/first)", "“Explain retakes”",
                     "“Limit retakes”", "“Add rubric rows”", "Bo commented",
                     "> Do retakes count the same?", "https://wiki.example.org/guide/first/-/diff?to=",
                     "https://wiki.example.org/-/watchlist"):  # fmt: skip
        assert expected in text, expected
    assert "Not watched" not in text
    assert text.index("Explain retakes") < text.index("Limit retakes"), "oldest first"

    bo_text = to_bo.get_content()
    assert "Explain retakes" in bo_text and "Limit retakes" in bo_text
    assert "commented" not in bo_text, "Bo's own comment is not news to Bo"
    assert "Add rubric rows" not in bo_text, "Bo watches only the one page"

    again = notifier.run_once(later(2 * BATCH))
    assert (again.queued, again.sent) == (0, 0)
    assert len(smtp.inbox.messages) == 2


def test_own_edits_are_not_mailed(setup: Setup, smtp: SmtpServer) -> None:
    notifier = started(setup.notifier(smtp.port))
    setup.save("guide/second", "# Second\n\nby edna\n", "Edna's own edit", EDNA)
    assert notifier.run_once(later()).sent == 0
    assert smtp.inbox.messages == []
    setup.save("guide/second", "# Second\n\nby ada\n", "Ada's edit")
    assert notifier.run_once(later()).sent == 1
    (message,) = smtp.inbox.to("edna@example.org")
    assert "Ada's edit" in message.get_content()
    assert "Edna's own edit" not in message.get_content()
    assert message["Subject"] == "[Riverbend Handbook] Second changed (Ada Coach)"


def test_the_first_run_does_not_mail_old_history(setup: Setup, smtp: SmtpServer) -> None:
    notifier = setup.notifier(smtp.port)
    assert notifier.run_once(later(10**6)).sent == 0
    assert smtp.inbox.messages == []


def test_smtp_down_loses_nothing_and_sends_later(setup: Setup) -> None:
    server = SmtpServer(free_port(), Inbox())  # not started yet: connections are refused
    notifier = started(setup.notifier(server.port))
    setup.save("guide/first", "# First\n\nwhile the mail server is down\n", "During outage")
    when = later()
    down = notifier.run_once(when)
    assert (down.queued, down.sent, down.failed) == (2, 0, 2)
    assert notifier.outbox() == 2
    server.start()
    try:
        too_soon = notifier.run_once(when + 1)
        assert too_soon.sent == 0, "a failed message waits before the next try"
        back = notifier.run_once(when + FIRST_RETRY + 1)
        assert (back.queued, back.sent, back.failed) == (0, 2, 0)
        assert notifier.outbox() == 0
        assert len(server.inbox.to("edna@example.org")) == 1
        assert "During outage" in server.inbox.to("bo@example.org")[0].get_content()
        assert notifier.run_once(when + 10 * FIRST_RETRY).sent == 0, "sent once only"
    finally:
        server.stop()


def test_a_refused_address_does_not_hold_up_the_others(setup: Setup, smtp: SmtpServer) -> None:
    smtp.inbox.refuse.add("bo@example.org")
    notifier = started(setup.notifier(smtp.port))
    setup.save("guide/first", "# First\n\nchanged\n", "Change")
    notifier.run_once(later())
    assert len(smtp.inbox.to("edna@example.org")) == 1
    assert notifier.outbox() == 0, "a refused recipient is dropped, not retried forever"


def race(notifiers: list[Notifier], when: float) -> list[Outcome]:
    """Run every notifier's round at the same moment, each in its own thread."""
    barrier = threading.Barrier(len(notifiers))
    outcomes: list[Outcome] = []

    def run(notifier: Notifier) -> None:
        barrier.wait()
        outcomes.append(notifier.run_once(when))

    threads = [threading.Thread(target=run, args=(n,)) for n in notifiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == len(notifiers)
    return outcomes


def test_racing_notifiers_send_each_batch_once(setup: Setup, smtp: SmtpServer) -> None:
    # Two server processes: their own Wiki objects, one repository, one database.
    other_storage = GitStorage(setup.editor.storage.path)
    notifiers = [started(setup.notifier(smtp.port)), setup.notifier(smtp.port, Wiki(other_storage))]
    try:
        for number in range(3):
            setup.save("guide/first", f"# First\n\nround {number}\n", f"Round {number}")
            outcomes = race(notifiers, later())
            assert sum(o.queued for o in outcomes) == 2
            assert sum(o.sent for o in outcomes) == 2
        assert len(smtp.inbox.to("edna@example.org")) == 3
        assert len(smtp.inbox.to("bo@example.org")) == 3
    finally:
        other_storage.close()


def test_a_lost_cursor_restarts_from_head(setup: Setup, smtp: SmtpServer) -> None:
    notifier = started(setup.notifier(smtp.port))
    with notifier.database.write() as db:  # history was rewritten under the cursor
        db.run("UPDATE notify_cursor SET commit_sha = :sha", sha="0" * 40)
    setup.save("guide/first", "# First\n\nlost\n", "Lost")
    notifier.run_once(later())  # the cursor's commit is gone: start again from HEAD
    assert smtp.inbox.messages == []
    setup.save("guide/first", "# First\n\nnext\n", "Next")
    notifier.run_once(later())
    (message,) = smtp.inbox.to("edna@example.org")
    assert "Next" in message.get_content()


def test_removed_users_get_no_mail(setup: Setup, smtp: SmtpServer) -> None:
    notifier = started(setup.notifier(smtp.port))
    setup.accounts.remove_user("bo")
    setup.save("guide/first", "# First\n\nchanged\n", "Change")
    notifier.run_once(later())
    assert smtp.inbox.to("bo@example.org") == []
    assert setup.watchlist.watches("bo") == ()


def test_default_sender() -> None:
    assert (
        default_sender("Wiki", "https://wiki.example.org/") == "Wiki <masterywiki@wiki.example.org>"
    )
    assert default_sender("Wiki", "") == "Wiki <masterywiki@localhost>"
    assert default_sender("Wiki", "https://x.org", " Me <me@x.org> ") == "Me <me@x.org>"


# -- in the server: the background thread -----------------------------------------------


def test_the_server_mails_watchers_from_its_thread(
    basic_repo: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    app = create_app({
        "repo": basic_repo, "instance": tmp_path / "instance", "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port, "smtp_starttls": False, "notify_batch_seconds": 0,
        "base_url": "https://wiki.example.org",
    })  # fmt: skip
    notifier = app.extensions[EXTENSION].notifier
    assert notifier is not None
    try:
        make_user(app, "edna", "editor")
        app.extensions[EXTENSION].watchlist.set_email("edna", True)
        accounts_of(app).add_user("bo", PASSWORD, "editor", email="bo@example.org")
        watchlist = app.extensions[EXTENSION].watchlist
        watchlist.watch("bo", "guide", "section")
        watchlist.set_email("bo", True)
        assert wait_for(lambda: notifier._cursor() is not None), "the thread noted HEAD"
        client = app.test_client()
        login(client, "edna")
        token = csrf_token(client, "/guide/first/-/edit")
        base = git(basic_repo, "rev-parse", "HEAD")
        response = client.post("/guide/first/-/edit", data={
            "content": "# First\n\nEdited in the browser.\n", "summary": "Browser edit",
            "base": base, "csrf_token": token,
        })  # fmt: skip
        assert response.status_code in (302, 303)
        assert wait_for(lambda: bool(smtp.inbox.to("bo@example.org")))
        (message,) = smtp.inbox.to("bo@example.org")
        assert "Browser edit" in message.get_content()
        assert "https://wiki.example.org/guide/first/-/diff?to=" in message.get_content()
    finally:
        notifier.close()
        app.extensions["masterywiki"].wiki.storage.close()
    thread = notifier._worker.thread
    assert thread is not None and not thread.is_alive()


def test_no_smtp_host_no_thread(app: Any) -> None:
    assert app.extensions[EXTENSION].notifier is None
