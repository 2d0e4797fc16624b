"""Owners' weekly review reminders: one email per owner listing their pages due,
queued in the shared outbox, and one server's run per week however many servers."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from masterywiki.db.database import Database
from masterywiki.git.storage import GitStorage
from masterywiki.people.accounts import Accounts
from masterywiki.repository.history import History
from masterywiki.repository.wiki import Wiki
from masterywiki.resources import message_catalog
from masterywiki.stewardship.dashboard import Row
from masterywiki.stewardship.reminders import WEEK, OwnerReminders, reminder_text
from masterywiki.watching.notices import Mail
from masterywiki.watching.notify import Notifier, SmtpMailer
from masterywiki.watching.watchlist import WatchedChanges, Watchlist
from tests.auth_fixtures import FAST_HASHER, PASSWORD

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC).timestamp()
MAIL = Mail("Riverbend Handbook", "https://wiki.example.org", "Riverbend <wiki@example.org>")


def ago(days: int) -> str:
    return (date(2026, 12, 4) - timedelta(days=days)).isoformat()


@pytest.fixture
def reminders(
    repo_factory: Callable[..., Path], database: Database
) -> Iterator[Callable[[], OwnerReminders]]:
    repo = repo_factory({
        "index.md": "# Home\n",
        "grading.md": f"---\ntitle: Grading\nowner: ada\nreview_every: 90 days\n"
                      f"reviewed: {ago(100)}\n---\n# G\n",
        "tracking.md": f"---\ntitle: Tracking\nowner: [ada, bo]\nreview_by: {ago(-10)}\n---\n# T\n",
        "systems.md": f"---\nowner: bo\nreview_every: 1 year\nreviewed: {ago(10)}\n---\n# S\n",
        "pacing.md": f"---\nowner: ghost\nreview_by: {ago(5)}\n---\n# P\n",
    })  # fmt: skip
    accounts = Accounts(database, hasher=FAST_HASHER)
    accounts.add_user("ada", PASSWORD, "editor", name="Ada Coach", email="ada@example.org")
    accounts.add_user("bo", PASSWORD, "editor")  # no email address: no reminder
    storage = GitStorage(repo)
    wiki = Wiki(storage)
    notifier = Notifier(wiki, Watchlist(database), WatchedChanges(History(wiki)),
                        SmtpMailer("127.0.0.1", 9), MAIL)  # fmt: skip
    yield lambda: OwnerReminders(wiki, accounts, notifier)
    storage.close()


def outbox(database: Database) -> list[tuple[str, email.message.EmailMessage]]:
    with database.read() as db:
        rows = db.all("SELECT recipient, message FROM notify_outbox ORDER BY id")
    return [(row["recipient"], email.message_from_bytes(bytes(row["message"]),
             policy=email.policy.default)) for row in rows]  # fmt: skip


def test_each_owner_with_an_address_gets_one_list(
    reminders: Callable[[], OwnerReminders], database: Database
) -> None:
    assert reminders()(NOW) == 1
    ((to, message),) = outbox(database)
    assert to == "ada@example.org" and message["To"] == "Ada Coach <ada@example.org>"
    assert message["Subject"] == "Riverbend Handbook: 2 pages to review (1 overdue)"
    body = message.get_content()
    assert body.index("Grading (overdue since") < body.index("Tracking (due")
    assert "https://wiki.example.org/grading" in body and "/-/review" in body
    assert message["Auto-Submitted"] == "auto-generated"


def test_one_run_a_week_however_many_servers(
    reminders: Callable[[], OwnerReminders], database: Database
) -> None:
    first, second = reminders(), reminders()
    assert first(NOW) == 1
    assert second(NOW + 60) == 0, "another server ran this week's"
    assert first(NOW + 2 * 3600) == 0, "and this one asks again only hourly, then finds it done"
    assert second(NOW + WEEK + 1) == 1, "a week later: again, once"
    assert first(NOW + WEEK + 7200) == 0
    assert len(outbox(database)) == 2


def test_a_reminder_in_the_owners_language() -> None:
    due = date(2026, 12, 1)
    rows = [
        Row("a", "Calificación", "/a", "", ("ana",), None, due, "overdue", -4, 0),
        Row("b", "Tareas", "/b", "", ("ana",), None, due, "due", 3, 0),
    ]
    subject, body = reminder_text(rows, MAIL, message_catalog("es"))
    assert subject == "Riverbend Handbook: 2 páginas por revisar (1 vencida)"
    assert "- Calificación (vencida desde el 2026-12-01)" in body
    assert "- Tareas (vence el 2026-12-01)" in body
    english, _ = reminder_text(rows, MAIL)
    assert english == "Riverbend Handbook: 2 pages to review (1 overdue)"
