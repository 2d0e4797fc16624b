"""Watching, as values: which changes concern which watches, and one digest per watcher.

Pure: no clock, disk, git, Flask or globals. A commit arrives as its file list
(what `git log --name-status` says) and becomes `Touch`es of pages: an edit, a new
or deleted page, a move, a comment or an attachment. A `Watch` on a page covers
that page; one on a section covers the section's page and every page under it.
Renamed pages are followed through the catalog's redirects (old name -> new name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from masterywiki.content import names
from masterywiki.discussion.comments import parse_events

SCOPES = ("page", "section")
COMMENTS_SUFFIX = ".comments.jsonl"
ATTACHMENTS_MARK = ".files/"  # attachments live in `<page file stem>.files/NAME`
KINDS = {"A": "new", "D": "deleted", "R": "moved", "C": "new"}
NO_REPLY_DOMAIN = "users.masterywiki.invalid"  # the git address of users with no email


@dataclass(frozen=True)
class Watch:
    target: str  # a page name; for a section, the name of the section's page
    scope: str  # "page" or "section"

    def covers(self, name: str) -> bool:
        if self.scope == "page":
            return name == self.target
        if self.target == names.ROOT:  # the root's section is the whole wiki
            return True
        return name == self.target or name.startswith(self.target + "/")


@dataclass(frozen=True)
class Note:
    """One change to a discussion, for showing with the change that made it."""

    kind: str  # comment, edit, resolve, reopen or delete (as in the comments log)
    id: str
    author: str  # the display name
    excerpt: str  # the start of the text ("" for resolve, reopen, delete)


@dataclass(frozen=True)
class Touch:
    """What one commit did to one page."""

    page: str
    kind: str  # edit, new, deleted, moved, comment or attachment
    old: str | None = None  # for a move, the page's previous name
    path: str = field(default="", compare=False)  # the file, as of the commit
    notes: tuple[Note, ...] = field(default=(), compare=False)  # a comment's new lines


@dataclass(frozen=True)
class Change:
    """One commit, as the watchlist shows it."""

    commit: str
    author: str
    email: str
    date: datetime
    summary: str
    touches: tuple[Touch, ...]


@dataclass(frozen=True)
class Watcher:
    """Someone who asked for email notices."""

    username: str
    name: str
    email: str
    watches: tuple[Watch, ...]
    language: str = ""  # the interface language the account chose; '' for the wiki's


@dataclass(frozen=True)
class Digest:
    """One email's worth: every change a watcher has not seen, oldest first."""

    watcher: Watcher
    changes: tuple[Change, ...]


def page_of_file(path: str) -> tuple[str, str] | None:
    """(page name, kind) for a file that belongs to a page, else None.

    `a/b.md` is page `a/b`; `a/b.comments.jsonl` its comments; `a/b.files/x.png`
    one of its attachments (kinds `edit`, `comment`, `attachment`).
    """
    if path.endswith(COMMENTS_SUFFIX):
        name = names.name_for_file(path[: -len(COMMENTS_SUFFIX)] + names.PAGE_SUFFIX)
        return (name, "comment") if name else None
    if ATTACHMENTS_MARK in path:
        stem = path.split(ATTACHMENTS_MARK, 1)[0]
        name = names.name_for_file(stem + names.PAGE_SUFFIX)
        return (name, "attachment") if name else None
    name = names.name_for_file(path)
    return (name, "edit") if name else None


def touches(files: Iterable[tuple[str, str]]) -> tuple[Touch, ...]:
    """The pages a commit's `(status, path)` list touched; `R` paths read `old -> new`."""
    found: dict[tuple[str, str], Touch] = {}
    for status, path in files:
        old_path, _, new_path = path.partition(" -> ")
        target = page_of_file(new_path or old_path)
        if target is None:
            continue
        page, kind = target
        old = None
        if kind == "edit":
            kind = KINDS.get(status[:1], "edit")
            if kind == "moved":
                before = page_of_file(old_path)
                old = before[0] if before else None
                if old == page:  # `a.md` -> `a/index.md`: the same page
                    kind, old = "edit", None
        found.setdefault((page, kind), Touch(page, kind, old, new_path or old_path))
    return tuple(found.values())


def new_notes(before: bytes | None, after: bytes | None, limit: int = 280) -> tuple[Note, ...]:
    """What a commit added to a comments log (`before` and `after` are the file's
    contents on either side), each with an excerpt of at most `limit` characters."""
    old = set(parse_events(before or b"")[0])
    added = [event for event in parse_events(after or b"")[0] if event not in old]
    return tuple(
        Note(e.type, e.id, e.name or e.author or "Anonymous", excerpt(e.body or "", limit))
        for e in added
    )


def excerpt(text: str, limit: int = 280) -> str:
    """The start of `text` on one line, cut at a word with an ellipsis when long."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(".,;:") + "…"


def follow(watches: Iterable[Watch], redirects: Mapping[str, str]) -> tuple[Watch, ...]:
    """The watches plus, for each watched page that was renamed, its new name."""
    result: dict[Watch, None] = {}
    for watch in watches:
        result[watch] = None
        target, seen = watch.target, {watch.target}
        while target in redirects and redirects[target] not in seen:
            target = redirects[target]
            seen.add(target)
            result[Watch(target, watch.scope)] = None
    return tuple(result)


def concerns(watches: Sequence[Watch], touch: Touch) -> bool:
    return any(w.covers(touch.page) or (touch.old and w.covers(touch.old)) for w in watches)


def relevant(change: Change, watches: Sequence[Watch]) -> Change | None:
    """`change` narrowed to the pages `watches` cover, or None when it touches none."""
    kept = tuple(t for t in change.touches if concerns(watches, t))
    if not kept:
        return None
    return Change(change.commit, change.author, change.email, change.date, change.summary, kept)


def is_own(change: Change, username: str, email: str) -> bool:
    """Whether `change` was made by this user: edits and comments carry the user's
    email, or `USERNAME@users.masterywiki.invalid` for an account without one."""
    address = change.email.strip().lower()
    return address == f"{username}@{NO_REPLY_DOMAIN}" or bool(
        email and address == email.strip().lower()
    )


def digests(
    changes: Sequence[Change], watchers: Iterable[Watcher], redirects: Mapping[str, str]
) -> list[Digest]:
    """One digest per watcher with something to read: the changes (oldest first) to
    what they watch, leaving out their own. `changes` come newest first, as `git log`
    lists them, which also orders commits made within the same second."""
    ordered = sorted(reversed(changes), key=lambda c: c.date)
    found = []
    for watcher in watchers:
        watches = follow(watcher.watches, redirects)
        mine = []
        for change in ordered:
            if is_own(change, watcher.username, watcher.email):
                continue
            narrowed = relevant(change, watches)
            if narrowed is not None:
                mine.append(narrowed)
        if mine:
            found.append(Digest(watcher, tuple(mine)))
    return found


def log_paths(watches: Iterable[Watch]) -> list[str] | None:
    """Git pathspecs covering every file of the watched pages (None: the whole wiki)."""
    paths: list[str] = []
    for watch in watches:
        if watch.scope == "section" and watch.target == names.ROOT:
            return None
        stems = [f[: -len(names.PAGE_SUFFIX)] for f in names.candidate_files(watch.target)]
        for stem in stems:
            paths += [stem + names.PAGE_SUFFIX, stem + COMMENTS_SUFFIX, stem + ATTACHMENTS_MARK]
        if watch.scope == "section":
            paths.append(watch.target + "/")
    return list(dict.fromkeys(paths))


def burst_ready(newest: float, oldest: float, now: float, quiet: float, longest: float) -> bool:
    """Whether a burst of changes is over: nothing new for `quiet` seconds, or the
    oldest change has waited `longest` seconds (a steady trickle still gets mailed)."""
    return now - newest >= quiet or now - oldest >= longest


def touch_link(change: Change, touch: Touch) -> str:
    """Where to read about one touch, as a path on the wiki: the diff of an edit,
    the comment of a discussion change, the history of a deleted page."""
    page_url = names.url_for_name(touch.page)
    if touch.kind == "comment":
        return page_url + (f"#comment-{touch.notes[0].id}" if touch.notes else "#comments")
    if touch.kind in ("edit", "new"):
        return f"/{touch.page}/-/diff?to={change.commit}"
    if touch.kind == "deleted":
        return f"/{touch.page}/-/history"
    return page_url
