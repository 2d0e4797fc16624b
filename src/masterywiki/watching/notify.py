"""Email notices for watchlists: one message per watcher per burst of edits. No Flask.

Every server process runs a `Notifier` thread when `smtp_host` is set; they share
the instance's database (one SQLite file, or one PostgreSQL for several servers),
which makes each batch happen once:

1. *Collect.* The changes since the cursor (the last commit dealt with) wait while
   the burst goes on: until nothing new came for `notify_batch_seconds`, or the
   oldest has waited ten times that. Then the messages are built and, in one
   transaction that first checks the cursor did not move, put in an outbox while
   the cursor moves to HEAD. Of several processes doing this at once, one wins;
   the others find the cursor moved and drop their copies (its row is locked
   meanwhile).
2. *Deliver.* Messages due are claimed (rows another process holds are skipped,
   their next try moved past a lease), sent, and deleted. An SMTP server that is
   down or refuses leaves them in the outbox for a later try, with a growing wait:
   nothing is lost, nothing sent twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from masterywiki.db.database import Database, Row, Transaction
from masterywiki.errors import RevisionNotFound
from masterywiki.repository.wiki import Wiki
from masterywiki.resources import message_catalog
from masterywiki.support.background import BackgroundThread
from masterywiki.watching.notices import Mail, message_bytes, render_digest
from masterywiki.watching.watches import Digest, burst_ready, digests
from masterywiki.watching.watchlist import WatchedChanges, Watchlist

log = logging.getLogger(__name__)

LONGEST_WAIT = 10  # a burst is held at most this many batch windows
LEASE_SECONDS = 300.0  # a process sending a message owns it this long
FIRST_RETRY, LAST_RETRY = 60.0, 3600.0  # waits after a failed send, doubling
GIVE_UP_AFTER = 3 * 24 * 3600.0  # a message undeliverable this long is dropped
MAX_COMMITS = 1000  # per batch: a huge import is summed up by its newest commits
SEND_AT_ONCE = 50


@dataclass(frozen=True)
class Outcome:
    """What one `run_once` did."""

    queued: int  # messages built from a finished burst
    sent: int
    failed: int  # sends that failed this time (kept for a retry)
    waiting: bool  # changes are pending while their burst goes on


class SmtpMailer:
    """Sends through one SMTP server: STARTTLS when asked, implicit TLS on port 465."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        starttls: bool = True,
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password, self.timeout = username, password, timeout

    @contextmanager
    def session(self) -> Iterator[Callable[[str, str, bytes], None]]:
        """A connection, as `send(sender, recipient, message)`. Raises OSError and
        smtplib.SMTPException."""
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.port == 465:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls and self.port != 465:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)

            def send(sender: str, recipient: str, message: bytes) -> None:
                smtp.sendmail(sender, [recipient], message)

            yield send


class Notifier:
    """Turns finished bursts of changes into one email per watcher, and sends them."""

    def __init__(
        self,
        wiki: Wiki,
        watchlist: Watchlist,
        changes: WatchedChanges,
        mailer: SmtpMailer,
        mail: Mail,
        batch_seconds: float = 120.0,
        shared: bool = False,
    ) -> None:
        self.wiki = wiki
        self.watchlist = watchlist
        self.changes = changes
        self.mailer = mailer
        self.mail = mail
        self.quiet = float(batch_seconds)
        self.longest = self.quiet * LONGEST_WAIT
        self.shared = shared  # other servers (on the same git remote) share the cursor
        # Other mail made on a schedule (owners' review reminders), run each round.
        self.jobs: list[Callable[[float], object]] = []
        self.database: Database = watchlist.database
        self._worker = BackgroundThread(self._run, "notify")

    # -- one round ---------------------------------------------------------------------

    def run_once(self, now: float) -> Outcome:
        """Collect a finished burst, then send what is due. Raises nothing that the
        SMTP server or a busy database cause: they are logged and tried again."""
        queued, waiting = self._collect(now)
        sent, failed = self._deliver(now)
        return Outcome(queued, sent, failed, waiting)

    def _cursor(self) -> str | None:
        with self.database.read() as db:
            found = db.value("SELECT commit_sha FROM notify_cursor")
        return found or None

    def _collect(self, now: float) -> tuple[int, bool]:
        head = self.wiki.storage.head()
        cursor = self._cursor()
        if head is None or head == cursor:
            return 0, False
        if cursor is None:  # the first run: what happened before is not news
            self._advance(None, head, [])
            return 0, False
        if not self.wiki.storage.is_ancestor(cursor, head):
            # Servers sharing the cursor take turns: one that has not fetched another's
            # commits yet (or is behind it) waits; the merge it makes next descends
            # from both, so nothing is mailed twice or skipped.
            if self.shared or self._known(cursor):
                return 0, False
            log.warning("notify: commit %s is gone (history rewritten?); starting from %s",
                        cursor[:10], head[:10])  # fmt: skip
            self._advance(cursor, head, [])
            return 0, False
        changes = self.changes.since(cursor, head, MAX_COMMITS)
        if changes:
            stamps = [c.date.timestamp() for c in changes]
            if not burst_ready(max(stamps), min(stamps), now, self.quiet, self.longest):
                return 0, True
        catalog = self.wiki.refresh().catalog
        titles = {name: record.title for name, record in catalog.pages.items()}
        found = digests(changes, self.watchlist.watchers(), catalog.redirects)
        messages = [self.compose(digest, titles, now) for digest in found]
        if not self._advance(cursor, head, messages, now):
            return 0, False
        if messages:
            log.info("notify: %d message(s) for changes up to %s", len(messages), head[:10])
        self.watchlist.prune()
        return len(messages), False

    def _known(self, commit: str) -> bool:
        try:
            self.wiki.storage.resolve(commit)
        except RevisionNotFound:
            return False
        return True

    def _advance(
        self,
        old: str | None,
        new: str,
        messages: Sequence[tuple[str, bytes]],
        now: float = 0.0,
    ) -> bool:
        """Queue `messages` and move the cursor from `old` to `new`, in one transaction;
        False (and nothing done) when another process moved the cursor first."""
        with self.database.write(serialised=False) as db:
            # The row exists before it is locked ('' is no cursor yet), so processes
            # starting together queue on one row lock instead of racing to insert.
            db.run("INSERT INTO notify_cursor VALUES (1, '') ON CONFLICT DO NOTHING")
            cursor = db.value(f"SELECT commit_sha FROM notify_cursor {db.for_update()}")
            if (cursor or None) != old:
                return False
            db.run("UPDATE notify_cursor SET commit_sha = :new", new=new)
            self._queue(db, messages, now)
        return True

    def _deliver(self, now: float) -> tuple[int, int]:
        with self.database.write(serialised=False) as db:
            expired = db.run("DELETE FROM notify_outbox WHERE created < :t", t=now - GIVE_UP_AFTER)
            if expired:
                log.error("notify: dropped %d message(s) undeliverable for %d days",
                          expired, GIVE_UP_AFTER // 86400)  # fmt: skip
            # Rows another server is claiming right now are skipped, not waited for.
            rows = db.all(
                "SELECT * FROM notify_outbox WHERE next_try <= :now ORDER BY id LIMIT :n"
                f" {db.for_update(skip_locked=True)}",
                now=now, n=SEND_AT_ONCE,
            )  # fmt: skip
            db.run_many(
                "UPDATE notify_outbox SET next_try = :t WHERE id = :id",
                [dict(t=now + LEASE_SECONDS, id=row["id"]) for row in rows],
            )
        if not rows:
            return 0, 0
        sent = 0
        pending = list(rows)
        try:
            with self.mailer.session() as send:
                while pending:
                    row = pending[0]
                    try:
                        send(row["sender"], row["recipient"], row["message"])
                        sent += 1
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                        if isinstance(error, smtplib.SMTPDataError) and error.smtp_code < 500:
                            raise  # a passing trouble: try again later
                        # Refused for good (an address that does not exist): retrying
                        # would only hold up the messages behind it.
                        log.warning("notify: message to %s refused: %s", row["recipient"], error)
                    pending.pop(0)
                    self._done(row["id"])
        except (OSError, smtplib.SMTPException) as error:
            log.warning("notify: sending failed (%s); %d message(s) kept for later",
                        error, len(pending))  # fmt: skip
            self._retry_later(pending, now, str(error))
        return sent, len(pending)

    def _done(self, message_id: int) -> None:
        with self.database.write(serialised=False) as db:
            db.run("DELETE FROM notify_outbox WHERE id = :id", id=message_id)

    def _retry_later(self, rows: Sequence[Row], now: float, error: str) -> None:
        with self.database.write(serialised=False) as db:
            for row in rows:
                wait = min(LAST_RETRY, FIRST_RETRY * 2 ** min(row["attempts"], 16))
                db.run(
                    "UPDATE notify_outbox SET next_try = :t, attempts = attempts + 1,"
                    " last_error = :error WHERE id = :id",
                    t=now + wait, error=error[:500], id=row["id"],
                )  # fmt: skip

    def enqueue(self, messages: Sequence[tuple[str, bytes]], now: float) -> None:
        """Put ready messages, as (recipient, bytes), in the outbox; the thread sends
        them (once, whichever server's thread claims them first)."""
        with self.database.write(serialised=False) as db:
            self._queue(db, messages, now)

    def _queue(self, db: Transaction, messages: Sequence[tuple[str, bytes]], now: float) -> None:
        db.run_many(
            "INSERT INTO notify_outbox (sender, recipient, message, created, next_try)"
            " VALUES (:sender, :to, :data, :now, :now)",
            [dict(sender=self.mail.sender_address, to=to, data=data, now=now)
             for to, data in messages],
        )  # fmt: skip

    def outbox(self) -> int:
        """How many messages wait to be sent."""
        with self.database.read() as db:
            return int(db.value("SELECT COUNT(*) FROM notify_outbox"))

    # -- the message -------------------------------------------------------------------

    def compose(self, digest: Digest, titles: Mapping[str, str], now: float) -> tuple[str, bytes]:
        """(recipient address, the message as bytes) for one digest."""
        language = digest.watcher.language or self.mail.language  # theirs, else the wiki's
        words = message_catalog(language)
        subject, body = render_digest(digest, titles, self.mail, words, language.split("-")[0])
        to = (digest.watcher.name, digest.watcher.email)
        return digest.watcher.email, message_bytes(self.mail, to, subject, body, now, "watchlist")

    # -- the background thread ---------------------------------------------------------

    def start(self) -> None:
        """Start (or, in a forked gunicorn worker, restart) the thread."""
        self._worker.start()

    def close(self, timeout: float = 10.0) -> None:
        self._worker.stop(timeout)

    def _run(self) -> None:
        poll = max(1.0, min(30.0, self.quiet / 4))
        while not self._worker.stopped.wait(poll):
            for work in (self.run_once, *self.jobs):
                try:
                    work(time.time())
                except Exception:  # never let a bad round end the thread
                    log.exception("notify round failed in %s", getattr(work, "__name__", work))
