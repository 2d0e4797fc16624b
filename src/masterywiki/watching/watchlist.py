"""Watchlists: what each user watches, their feed token and email choice; the changes
to what they watch, read from git history. No Flask here.

Kept in the instance's database beside the accounts, keyed by the account's id.
Ids are never reused, so the rows of a removed user match nobody (a new account
with the same name starts with an empty watchlist and no feed) and `prune` clears
them away. Feed tokens are stored as SHA-256 digests only: the
address is shown once, when it is made, and making a new one revokes the old.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from masterywiki.content import names
from masterywiki.db.database import Database, Transaction
from masterywiki.errors import InvalidInput, UnknownUser, WikiError
from masterywiki.git.parse import Revision
from masterywiki.people.accounts import User
from masterywiki.repository.history import History
from masterywiki.support.lru import LRU
from masterywiki.watching.watches import (
    SCOPES,
    Change,
    Note,
    Touch,
    Watch,
    Watcher,
    follow,
    log_paths,
    new_notes,
    relevant,
    touches,
)

MAX_WATCHES = 500  # per user: a watchlist is read with one git log over all of them
PER_PAGE = 50


class FeedNotFound(WikiError):
    status = 404
    title = "Feed not found"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_watch(target: str, scope: str) -> Watch:
    """Raises InvalidInput for an unknown scope, InvalidPagePath for a bad name."""
    if scope not in SCOPES:
        raise InvalidInput(f"Watch a 'page' or a 'section', not '{scope[:40]}'.")
    return Watch(names.validate(target), scope)


class Watchlist:
    """The watchlist service. Every public method opens its own connection."""

    def __init__(self, database: Database, *, now: Callable[[], float] = time.time) -> None:
        self.database = database
        self.now = now

    @staticmethod
    def _user_id(db: Transaction, username: str) -> int:
        row = db.one("SELECT id FROM users WHERE username = :u", u=username)
        if row is None:
            raise UnknownUser(f"There is no user called '{username}'.")
        return int(row["id"])

    # -- watches ----------------------------------------------------------------------

    def watch(self, username: str, target: str, scope: str = "page") -> Watch:
        """Start watching (watching twice is fine). Raises InvalidInput, InvalidPagePath,
        UnknownUser."""
        watch = check_watch(target, scope)
        with self.database.write() as db:
            user_id = self._user_id(db, username)
            count = db.value("SELECT COUNT(*) FROM watches WHERE user_id = :id", id=user_id)
            if count >= MAX_WATCHES:
                raise InvalidInput(
                    f"You watch {MAX_WATCHES} pages and sections already: stop watching"
                    " some, or watch a whole section instead of its pages."
                )
            db.run(
                "INSERT INTO watches (user_id, target, scope, created)"
                " VALUES (:id, :target, :scope, :now) ON CONFLICT DO NOTHING",
                id=user_id, target=watch.target, scope=watch.scope, now=self.now(),
            )  # fmt: skip
        return watch

    def unwatch(self, username: str, target: str, scope: str = "page") -> None:
        """Stop watching (a no-op when not watching). Raises InvalidInput, UnknownUser."""
        watch = check_watch(target, scope)
        with self.database.write() as db:
            user_id = self._user_id(db, username)
            db.run(
                "DELETE FROM watches WHERE user_id = :id AND target = :target AND scope = :scope",
                id=user_id, target=watch.target, scope=watch.scope,
            )  # fmt: skip

    def watches(self, username: str) -> tuple[Watch, ...]:
        """What `username` watches, by name (nothing for an unknown user)."""
        with self.database.read() as db:
            rows = db.all(
                "SELECT target, scope FROM watches JOIN users ON users.id = watches.user_id"
                " WHERE users.username = :u ORDER BY target, scope",
                u=username,
            )
        return tuple(Watch(row["target"], row["scope"]) for row in rows)

    # -- the personal feed ------------------------------------------------------------------

    def new_token(self, username: str) -> str:
        """A new secret for the user's feed address; the previous one stops working.
        Raises UnknownUser."""
        token = secrets.token_urlsafe(24)
        with self.database.write() as db:
            user_id = self._user_id(db, username)
            db.run("DELETE FROM watch_feeds WHERE user_id = :id", id=user_id)
            db.run(
                "INSERT INTO watch_feeds (user_id, digest, created) VALUES (:id, :digest, :now)",
                id=user_id, digest=_digest(token), now=self.now(),
            )  # fmt: skip
        return token

    def revoke_token(self, username: str) -> None:
        """The feed address stops working. Raises UnknownUser."""
        with self.database.write() as db:
            user_id = self._user_id(db, username)
            db.run("DELETE FROM watch_feeds WHERE user_id = :id", id=user_id)

    def token_created(self, username: str) -> float | None:
        """When the user's current feed address was made, or None without one."""
        with self.database.read() as db:
            row = db.one(
                "SELECT watch_feeds.created FROM watch_feeds"
                " JOIN users ON users.id = watch_feeds.user_id WHERE users.username = :u",
                u=username,
            )
        return None if row is None else float(row["created"])

    def user_for_token(self, token: str) -> User:
        """Whose feed a token opens. Raises FeedNotFound (unknown, revoked, user gone)."""
        row = None
        if 0 < len(token) <= 100:
            with self.database.read() as db:
                row = db.one(
                    "SELECT users.* FROM watch_feeds JOIN users ON users.id = watch_feeds.user_id"
                    " WHERE watch_feeds.digest = :digest",
                    digest=_digest(token),
                )
        if row is None:
            raise FeedNotFound(
                "There is no watchlist feed at this address: it was replaced or revoked."
                " Make a new one on your watchlist page."
            )
        return User(row["username"], row["name"], row["email"], row["role"])

    # -- email notices -----------------------------------------------------------------------

    def set_email(self, username: str, wanted: bool) -> None:
        """Turn email notices on or off for a user. Raises UnknownUser."""
        with self.database.write() as db:
            user_id = self._user_id(db, username)
            if wanted:
                db.run(
                    "INSERT INTO watch_email (user_id, created) VALUES (:id, :now)"
                    " ON CONFLICT DO NOTHING",
                    id=user_id, now=self.now(),
                )  # fmt: skip
            else:
                db.run("DELETE FROM watch_email WHERE user_id = :id", id=user_id)

    def wants_email(self, username: str) -> bool:
        with self.database.read() as db:
            row = db.one(
                "SELECT 1 FROM watch_email JOIN users ON users.id = watch_email.user_id"
                " WHERE users.username = :u",
                u=username,
            )
        return row is not None

    def watchers(self) -> list[Watcher]:
        """Everyone who wants email notices, has an address and watches something."""
        with self.database.read() as db:
            rows = db.all(
                "SELECT users.username, users.name, users.email, users.language,"
                " watches.target, watches.scope"
                " FROM watch_email JOIN users ON users.id = watch_email.user_id"
                " JOIN watches ON watches.user_id = users.id"
                " WHERE users.email != '' ORDER BY users.username, watches.target"
            )
        found: dict[str, Watcher] = {}
        for row in rows:
            watcher = found.get(row["username"])
            watch = Watch(row["target"], row["scope"])
            if watcher is None:
                watcher = Watcher(row["username"], row["name"], row["email"], (), row["language"])
            found[row["username"]] = replace(watcher, watches=(*watcher.watches, watch))
        return list(found.values())

    def prune(self) -> int:
        """Forget the rows of removed users; returns how many went."""
        gone = 0
        with self.database.write() as db:
            for table in ("watches", "watch_feeds", "watch_email"):
                gone += db.run(f"DELETE FROM {table} WHERE user_id NOT IN (SELECT id FROM users)")
        return gone


class WatchedChanges:
    """Changes to watched pages, from the history's log walker, with what each commit
    added to a discussion. Commits never change, so excerpts are kept per commit."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.storage = history.storage
        self._notes: LRU[tuple[Note, ...]] = LRU(4096)

    def recent(
        self,
        watches: Sequence[Watch],
        redirects: Mapping[str, str],
        page: int = 1,
        per_page: int = PER_PAGE,
    ) -> tuple[list[Change], bool]:
        """One page of the changes to what `watches` cover, newest first."""
        followed = follow(watches, redirects)
        if not followed:
            return [], False
        revisions, more = self.history.changes_in(log_paths(followed), page, per_page)
        return self._narrowed(revisions, followed), more

    def since(self, old: str, new: str, limit: int = 1000) -> list[Change]:
        """Every change in `new` since `old`, newest first. Raises RevisionNotFound."""
        found = []
        for revision in self.history.changes_since(old, new, limit):
            change = _change(revision)
            if change.touches:
                found.append(self.with_notes(change))
        return found

    def _narrowed(self, revisions: Sequence[Revision], watches: Sequence[Watch]) -> list[Change]:
        found = []
        for revision in revisions:
            change = relevant(_change(revision), watches)
            if change is not None:
                found.append(self.with_notes(change))
        return found

    def with_notes(self, change: Change) -> Change:
        """`change` with its comment touches carrying what the commit added."""
        if not any(t.kind == "comment" for t in change.touches):
            return change
        return replace(change, touches=tuple(self._touch(change.commit, t) for t in change.touches))

    def _touch(self, commit: str, touch: Touch) -> Touch:
        if touch.kind != "comment" or not touch.path:
            return touch
        key = (commit, touch.path)
        notes = self._notes.get(key)
        if notes is None:
            parent = self.storage.parent(commit)
            before = self.storage.read_file(parent, touch.path) if parent else None
            notes = new_notes(before, self.storage.read_file(commit, touch.path))
            self._notes.put(key, notes)
        return replace(touch, notes=notes)


def _change(revision: Revision) -> Change:
    return Change(
        revision.commit,
        revision.author,
        revision.email,
        revision.date,
        revision.summary,
        touches(revision.files),
    )
