"""The comment service: a page's threads read at HEAD, and changes made as commits.

No Flask here. Reading parses the page's `<page>.comments.jsonl` blob from the
current snapshot, once per blob. Every change appends one line and is one commit
authored by the person acting, made under the same repository write lock as page
saves, so comments posted at once from several processes are never lost. Who may
do what is decided here, so the HTML forms and the JSON API share the rules.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from masterywiki.content.catalog import PageRecord
from masterywiki.db.database import Database
from masterywiki.discussion import comments as model
from masterywiki.discussion.comments import EMPTY, Comment, Discussion, Event
from masterywiki.errors import (
    CommentNotFound,
    CommentRateLimited,
    CommentTooLarge,
    Forbidden,
    InvalidInput,
    LoginRequired,
    PageNotFound,
    wait_text,
)
from masterywiki.git.storage import Author
from masterywiki.people.accounts import User
from masterywiki.repository.edits import comments_file, normalize_text
from masterywiki.repository.wiki import Wiki
from masterywiki.support.lru import LRU

PEOPLE_SECONDS = 60.0  # how long a looked-up account (or its absence) is remembered
ANONYMOUS = Author("Anonymous", "anonymous@users.masterywiki.invalid")


@dataclass(frozen=True)
class Policy:
    """The comment settings the service enforces (the rate limit is the limiter's)."""

    max_bytes: int = 20 * 1024
    anonymous: bool = False


class RateLimiter:
    """At most `limit` comments (posts and edits) per `window` seconds for each user,
    or for each address when anonymous; a `limit` of 0 turns the limit off.

    Counted in the instance's database, so every server process (and every server
    sharing a PostgreSQL) counts against the same limit.
    """

    def __init__(
        self, database: Database, limit: int, window: float, now: Callable[[], float] = time.time
    ) -> None:
        self.database, self.limit, self.window, self.now = database, limit, window, now

    def take(self, who: str) -> None:
        """Count one comment for `who`. Raises CommentRateLimited when over the limit."""
        if self.limit <= 0:
            return
        now = self.now()
        with self.database.write() as db:
            db.run("DELETE FROM comment_posts WHERE at <= :t", t=now - self.window)
            oldest = db.value(
                "SELECT at FROM comment_posts WHERE who = :who ORDER BY at DESC"
                " LIMIT 1 OFFSET :skip",
                who=who, skip=self.limit - 1,
            )  # fmt: skip
            if oldest is None:
                db.run("INSERT INTO comment_posts (who, at) VALUES (:who, :now)", who=who, now=now)
        if oldest is not None:
            wait = max(1, int(oldest + self.window - now + 0.999))
            raise CommentRateLimited(
                f"You have posted {self.limit} comments in a short time."
                f" Please wait {wait_text(wait)} before posting again.",
                retry_after=wait,
            )


def _author(user: User | None) -> Author:
    if user is None:
        return ANONYMOUS
    return Author(
        user.name or user.username, user.email or f"{user.username}@users.masterywiki.invalid"
    )


# -- who may do what ------------------------------------------------------------------


def owns(user: User | None, comment: Comment) -> bool:
    return user is not None and bool(comment.author) and comment.author == user.username


def can_edit(user: User | None, comment: Comment) -> bool:
    return (
        owns(user, comment)
        and comment.deleted is None
        and user is not None
        and user.can("commenter")
    )


def can_resolve(user: User | None, root: Comment) -> bool:
    """Editors, and whoever started the thread."""
    return user is not None and (user.can("editor") or owns(user, root))


def can_delete(user: User | None, comment: Comment) -> bool:
    """Admins, and the comment's own author."""
    return user is not None and (user.can("admin") or owns(user, comment))


def sees_deleted(user: User | None) -> bool:
    """Deleted text stays in git; in the wiki only admins can read it."""
    return user is not None and user.can("admin")


class CommentService:
    def __init__(
        self,
        wiki: Wiki,
        policy: Policy,
        limiter: RateLimiter | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = lambda: secrets.token_hex(6),
    ) -> None:
        self.wiki = wiki
        self.storage = wiki.storage
        self.policy = policy
        self.limiter = limiter
        self.now = now
        self.new_id = new_id
        self._parsed: LRU[Discussion] = LRU(1024)
        self._html: LRU[str] = LRU(8192)
        self._mentioned: LRU[tuple[str, ...]] = LRU(8192)
        # Who has an account, for @mentions: username -> name to show, or None.
        self.directory: Callable[[str], str | None] | None = None
        self._people: LRU[tuple[float, str | None]] = LRU(4096)

    # -- reading ------------------------------------------------------------------

    def can_post(self, user: User | None) -> bool:
        return user.can("commenter") if user is not None else self.policy.anonymous

    def for_record(self, record: PageRecord) -> Discussion:
        """The page's comments at HEAD; a page without any costs one dict lookup."""
        blob = self.wiki.snapshot.files.get(comments_file(record.file))
        return EMPTY if blob is None else self._discussion(blob)

    def page(self, name: str) -> tuple[PageRecord, Discussion]:
        """Raises InvalidPagePath, PageMoved, PageNotFound."""
        record = self.wiki.record(name)
        return record, self.for_record(record)

    def _discussion(self, blob: str, data: bytes | None = None) -> Discussion:
        found = self._parsed.get(blob)
        if found is None:
            found = model.discussion(data if data is not None else self.storage.read_blob(blob))
            self._parsed.put(blob, found)
        return found

    def html(self, body: str) -> str:
        """A comment body as safe HTML, rendered once per text (and mentioned accounts)."""
        people = self.people(self.mentioned(body))
        key = body if not people else f"{body}\0{sorted(people.items())!r}"
        found = self._html.get(key)
        if found is None:
            found = model.render_body(body, people)
            self._html.put(key, found)
        return found

    def mentioned(self, body: str) -> tuple[str, ...]:
        """The usernames `body` mentions (accounts or not), each once."""
        found = self._mentioned.get(body)
        if found is None:
            found = model.mentioned(body)
            self._mentioned.put(body, found)
        return found

    def people(self, usernames: tuple[str, ...]) -> dict[str, str]:
        """{username: name to show} of those with an account, each looked up at most
        once a minute (a thread is rendered for every visitor)."""
        if self.directory is None:
            return {}
        known: dict[str, str] = {}
        for username in usernames:
            cached = self._people.get(username)
            if cached is None or time.monotonic() - cached[0] > PEOPLE_SECONDS:
                cached = (time.monotonic(), self.directory(username))
                self._people.put(username, cached)
            if cached[1] is not None:
                known[username] = cached[1]
        return known

    def headings(self, record: PageRecord) -> dict[str, str]:
        """{heading id: text} of the page's sections a comment can be about."""
        rendered = self.wiki.rendered(record)
        return {h.id: h.text for h in rendered.headings if h.level > 1}

    # -- changing -------------------------------------------------------------------

    def checked_body(self, body: str) -> str:
        text = normalize_text(body).strip("\n")
        if not text.strip():
            raise InvalidInput("The comment is empty: write something before posting.")
        size = len(text.encode())
        if size > self.policy.max_bytes:
            raise CommentTooLarge(
                f"The comment is {size:,} bytes; the limit is {self.policy.max_bytes:,} bytes."
                " Shorten it, or split it into several comments."
            )
        return text

    def count_post(self, user: User | None, address: str) -> None:
        if self.limiter is not None:
            self.limiter.take(f"user:{user.username}" if user else f"address:{address}")

    def post(
        self,
        name: str,
        body: str,
        user: User | None,
        *,
        parent: str | None = None,
        anchor: str | None = None,
        address: str = "",
    ) -> Comment:
        """Add a comment, or a reply to comment `parent`, optionally about the section
        `anchor`. Raises LoginRequired, Forbidden, InvalidInput, CommentTooLarge,
        CommentRateLimited, PageNotFound, PageMoved, RepositoryBusy."""
        if user is None and not self.policy.anonymous:
            raise LoginRequired("Log in to comment: this wiki does not take anonymous comments.")
        if user is not None and not user.can("commenter"):
            raise Forbidden(
                f"Commenting needs the commenter role; your account has the {user.role} role."
            )
        text = self.checked_body(body)
        parent, anchor = parent or None, anchor or None
        record, current = self.page(name)
        self._check_target(record, current, parent, anchor)  # before counting the attempt
        self.count_post(user, address)

        def build(record: PageRecord, current: Discussion) -> Event:
            self._check_target(record, current, parent, anchor)
            comment_id = self.new_id()
            while current.get(comment_id) is not None:
                comment_id = self.new_id()
            return Event("comment", comment_id, user.username if user else "",
                         self.now(), _display(user), text, parent,
                         None if parent else anchor)  # fmt: skip

        return self._commit(record.name, build, user, "Comment on")

    def _check_target(
        self, record: PageRecord, current: Discussion, parent: str | None, anchor: str | None
    ) -> None:
        if parent is not None and current.get(parent) is None:
            raise InvalidInput("The comment you are replying to does not exist (any more).")
        if parent is None and anchor is not None and anchor not in self.headings(record):
            raise InvalidInput(f"This page has no section '{anchor[:80]}' to comment on.")

    def edit(self, name: str, comment_id: str, body: str, user: User | None) -> Comment:
        """Change your own comment; the earlier text stays in its history.
        Raises LoginRequired, Forbidden, InvalidInput, CommentNotFound, CommentTooLarge,
        CommentRateLimited."""
        _logged_in(user, "edit a comment")
        text = self.checked_body(body)
        record, current = self.page(name)
        comment = self._get(current, comment_id)
        self._may_edit(user, comment)
        if comment.body == text:
            return comment
        self.count_post(user, "")

        def build(record: PageRecord, current: Discussion) -> Event:
            comment = self._get(current, comment_id)
            self._may_edit(user, comment)
            assert user is not None
            return Event("edit", comment.id, user.username, self.now(), _display(user), text)

        return self._commit(record.name, build, user, "Edit comment on")

    @staticmethod
    def _may_edit(user: User | None, comment: Comment) -> None:
        if comment.deleted is not None:
            raise InvalidInput("This comment was deleted, so it can no longer be edited.")
        if not can_edit(user, comment):
            raise Forbidden("You can only edit your own comments.")

    def set_resolved(
        self, name: str, comment_id: str, user: User | None, resolved: bool
    ) -> Comment:
        """Resolve or reopen the thread `comment_id` is in (editors and the thread's
        author). Raises LoginRequired, Forbidden, CommentNotFound."""
        verb = "resolve" if resolved else "reopen"
        _logged_in(user, f"{verb} a thread")
        record, current = self.page(name)

        def root(current: Discussion) -> Comment:
            found = current.root_of(self._get(current, comment_id).id)
            assert found is not None
            if not can_resolve(user, found):
                raise Forbidden(f"Only editors and the person who started a thread can {verb} it.")
            return found

        thread = root(current)
        if (thread.resolved is not None) == resolved:
            return thread

        def build(record: PageRecord, current: Discussion) -> Event:
            assert user is not None
            return Event(verb, root(current).id, user.username, self.now(), _display(user))

        return self._commit(record.name, build, user, f"{verb.capitalize()} comment on")

    def delete(self, name: str, comment_id: str, user: User | None) -> Comment:
        """Hide a comment's text from readers (admins, or its author); the record
        and its replies stay. Raises LoginRequired, Forbidden, CommentNotFound."""
        _logged_in(user, "delete a comment")
        record, current = self.page(name)

        def target(current: Discussion) -> Comment:
            found = self._get(current, comment_id)
            if not can_delete(user, found):
                raise Forbidden("Only admins and a comment's author can delete it.")
            return found

        if target(current).deleted is not None:
            return target(current)

        def build(record: PageRecord, current: Discussion) -> Event:
            assert user is not None
            return Event("delete", target(current).id, user.username, self.now(), _display(user))

        return self._commit(record.name, build, user, "Delete comment on")

    @staticmethod
    def _get(current: Discussion, comment_id: str) -> Comment:
        found = current.get(comment_id)
        if found is None:
            raise CommentNotFound(f"There is no comment '{comment_id[:80]}' on this page.")
        return found

    def _commit(
        self,
        name: str,
        build: Callable[[PageRecord, Discussion], Event],
        user: User | None,
        verb: str,
    ) -> Comment:
        """Append `build(record, comments at HEAD)` to the page's comments file and
        commit it, all under the write lock: the checks see the latest comments."""
        with self.storage.write_lock():
            snapshot = self.wiki.refresh()
            record = snapshot.catalog.get(name)
            if record is None:
                raise PageNotFound(name)
            path = comments_file(record.file)
            blob = snapshot.files.get(path)
            data = self.storage.read_blob(blob) if blob else b""
            current = self._discussion(blob, data) if blob else EMPTY
            event = build(record, current)
            data = model.append(data, event)
            message = f"{verb} {name}\n\nComment-Id: {event.id}"
            self.storage.commit({path: data}, message, _author(user), snapshot.commit)
        self.wiki.refresh()
        comment = model.discussion(data).get(event.id)
        assert comment is not None
        return comment


def _logged_in(user: User | None, action: str) -> None:
    if user is None:
        raise LoginRequired(f"Log in to {action}.")


def _display(user: User | None) -> str:
    return (user.name or user.username) if user else "Anonymous"
