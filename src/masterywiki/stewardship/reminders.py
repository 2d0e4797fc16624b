"""Owners' review reminders: once a week, each owner with pages overdue or due gets
one email listing them, through the watchlist notifier's outbox.

With several servers on one database, the week's run is claimed in the `schedule`
table (a conditional UPDATE: one server's wins), so each owner hears once a week.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from masterywiki.db.database import Database
from masterywiki.errors import UnknownUser
from masterywiki.people.accounts import Accounts
from masterywiki.repository.wiki import Wiki
from masterywiki.resources import message_catalog
from masterywiki.stewardship.dashboard import Row, rows_of, urgency
from masterywiki.stewardship.reviews import Period
from masterywiki.watching.notices import ENGLISH, Mail, Words, message_bytes
from masterywiki.watching.notify import Notifier

log = logging.getLogger(__name__)

JOB = "owner-reminders"
WEEK = 7 * 24 * 3600.0
LOOK_EVERY = 3600.0  # how often a server asks whether the week's run is due


def due_by_owner(rows: Iterable[Row]) -> dict[str, list[Row]]:
    """Each owner's pages that are overdue or due, most urgent first."""
    found: dict[str, list[Row]] = {}
    for row in sorted(rows, key=urgency):
        if row.state in ("overdue", "due"):
            for owner in row.owners:
                found.setdefault(owner, []).append(row)
    return found


def reminder_text(rows: list[Row], mail: Mail, words: Words = ENGLISH) -> tuple[str, str]:
    """(subject, body) of one owner's reminder, in `words` (the owner's language)."""
    overdue = sum(row.state == "overdue" for row in rows)
    names = {"site": mail.site_name, "count": len(rows), "overdue": overdue}
    subject = words.ngettext(
        "%(site)s: %(count)d page to review", "%(site)s: %(count)d pages to review", len(rows)
    )
    if overdue:  # its own plural: "1 vencida" however many pages
        subject += " " + words.ngettext("(%(overdue)d overdue)", "(%(overdue)d overdue)", overdue)
    base = mail.base_url.rstrip("/")
    lines = [words.gettext("These pages you own on %(site)s are due for review:") % names, ""]
    for row in rows:
        when = row.next_review.isoformat() if row.next_review else ""
        if row.state == "overdue":
            state = words.gettext("overdue since %(date)s") % {"date": when}
        else:
            state = words.gettext("due %(date)s") % {"date": when}
        lines += [f"- {row.title} ({state})", f"  {base}{row.url}"]
    lines += [
        "",
        words.gettext("Read each page, fix what has changed, and press “Mark reviewed” on it."),
        words.gettext("All pages and their review dates: %(url)s") % {"url": f"{base}/-/review"},
        "",
        "--",
        words.gettext("You get this email because these pages name you as an owner."),
    ]
    return subject % names, "\n".join(lines) + "\n"


class OwnerReminders:
    """The weekly job, run from the notifier's thread (`Notifier.jobs`)."""

    def __init__(
        self,
        wiki: Wiki,
        accounts: Accounts,
        notifier: Notifier,
        default: Period | None = None,
    ) -> None:
        self.wiki, self.accounts, self.notifier = wiki, accounts, notifier
        self.default = default
        self.database: Database = notifier.database
        self._next_look = 0.0

    def __call__(self, now: float) -> int:
        """Queue this week's reminders if no server has; returns how many."""
        if now < self._next_look:
            return 0
        self._next_look = now + LOOK_EVERY
        if not self.claim(now):
            return 0
        snapshot = self.wiki.refresh()
        today = datetime.fromtimestamp(now, UTC).date()
        rows = rows_of(snapshot.catalog.pages.values(), today, self.default, snapshot.changes)
        messages = []
        for owner, pages in due_by_owner(rows).items():
            try:
                user = self.accounts.get_user(owner)
            except UnknownUser:
                continue  # an owner with no account here yet
            if user.email:
                mail = self.notifier.mail
                words = message_catalog(user.language or mail.language)  # theirs, else the wiki's
                subject, body = reminder_text(pages, mail, words)
                to = (user.name or user.username, user.email)
                messages.append((user.email, message_bytes(self.notifier.mail, to, subject, body,
                                                           now, "reviews")))  # fmt: skip
        self.notifier.enqueue(messages, now)
        if messages:
            log.info("reviews: reminded %d owner(s) of pages due", len(messages))
        return len(messages)

    def claim(self, now: float) -> bool:
        """Whether this server runs this week's reminders (at most one does)."""
        with self.database.write(serialised=False) as db:
            db.run("INSERT INTO schedule (job, last_run) VALUES (:job, 0) ON CONFLICT DO NOTHING",
                   job=JOB)  # fmt: skip
            claimed = db.run(
                "UPDATE schedule SET last_run = :now WHERE job = :job AND last_run <= :due",
                now=now, job=JOB, due=now - WEEK,
            )  # fmt: skip
        return claimed == 1
