"""Read confirmations: which version of a page a reader must confirm, and who did.

Pure. A page with `acknowledge: true` in its front matter asks each logged-in
reader to confirm "I have read this version". The version is the page's newest
commit that changed its text and is not marked minor: an editor can mark a typo fix
`Minor-change: yes` (a trailer in the commit message, so it travels with git to
every server) and readers are not asked again; a move that keeps the text is not
a change either. A reader's standing on a page is *current* (confirmed that
version), *older* (confirmed an earlier one) or *none*.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from masterywiki.content.model import FrontMatter
from masterywiki.content.trailers import is_minor

KEY = "acknowledge"
STATUSES = ("current", "older", "none")
CSV_COLUMNS = ("page", "title", "username", "name", "role", "status", "confirmed", "version")


class Change(Protocol):
    """One commit of a page's history, newest first (git.pagelog.FileChange)."""

    @property
    def commit(self) -> str: ...
    @property
    def trailer(self) -> str: ...  # the value of its `Minor-change` trailer
    @property
    def moved_only(self) -> bool: ...


def asks_confirmation(front_matter: FrontMatter) -> bool:
    """Whether the page asks readers to confirm they read it (`acknowledge: true`)."""
    return front_matter.extra.get(KEY) is True


def version_to_confirm(changes: Iterable[Change]) -> str | None:
    """The commit readers must confirm: the newest that changed the text and is not
    minor; the page's first commit when every change since was minor. None for a
    page with no history."""
    oldest = None
    for change in changes:
        if not change.moved_only and not is_minor(change.trailer):
            return change.commit
        oldest = change.commit
    return oldest


@dataclass(frozen=True)
class Confirmation:
    username: str
    page: str  # the page's name when the reader confirmed
    commit: str  # the version confirmed
    at: float


@dataclass(frozen=True)
class Standing:
    """One reader on one page."""

    page: str
    title: str
    username: str
    name: str
    role: str
    status: str  # one of STATUSES
    confirmed: float | None  # when they confirmed (the current version, or their latest)
    commit: str | None  # the version they confirmed

    @property
    def confirmed_iso(self) -> str:
        if self.confirmed is None:
            return ""
        return datetime.fromtimestamp(self.confirmed, UTC).isoformat(timespec="seconds")


def standing_of(
    confirmations: Iterable[Confirmation], version: str | None
) -> tuple[str, Confirmation | None]:
    """(status, the confirmation it rests on) for one reader's confirmations of a page."""
    mine = sorted(confirmations, key=lambda c: c.at, reverse=True)
    for confirmation in mine:
        if confirmation.commit == version:
            return "current", confirmation
    return ("older", mine[0]) if mine else ("none", None)


@dataclass(frozen=True)
class Reader:
    username: str
    name: str
    role: str


@dataclass(frozen=True)
class AskingPage:
    name: str
    title: str
    version: str | None
    old_names: tuple[str, ...] = ()  # confirmations kept under these count too


def standings(
    pages: Sequence[AskingPage], readers: Sequence[Reader], confirmations: Iterable[Confirmation]
) -> list[Standing]:
    """Every reader on every page, page by page, readers by username."""
    by_key: dict[tuple[str, str], list[Confirmation]] = {}
    owner = {old: page.name for page in pages for old in (page.name, *page.old_names)}
    for confirmation in confirmations:
        if confirmation.page in owner:
            key = (owner[confirmation.page], confirmation.username)
            by_key.setdefault(key, []).append(confirmation)
    rows = []
    for page in pages:
        for reader in sorted(readers, key=lambda r: r.username):
            status, found = standing_of(by_key.get((page.name, reader.username), ()), page.version)
            at, commit = (found.at, found.commit) if found else (None, None)
            rows.append(Standing(page.name, page.title, reader.username, reader.name,
                                 reader.role, status, at, commit))  # fmt: skip
    return rows


def counts(rows: Iterable[Standing]) -> dict[str, dict[str, int]]:
    """{page: {status: how many readers}}."""
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        per_page = found.setdefault(row.page, dict.fromkeys(STATUSES, 0))
        per_page[row.status] += 1
    return found


def filtered(rows: Iterable[Standing], filters: Mapping[str, str]) -> list[Standing]:
    """Rows matching `path` (a page name), `status` and `user` (part of a username or
    name, any case); an empty filter matches everything."""
    page, status = filters.get("path", ""), filters.get("status", "")
    user = filters.get("user", "").casefold()
    return [
        row
        for row in rows
        if (not page or row.page == page)
        and (not status or row.status == status)
        and (not user or user in row.username.casefold() or user in row.name.casefold())
    ]


def as_csv(rows: Iterable[Standing]) -> str:
    """The report as CSV, one row per reader and page; spreadsheet formulas defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = (row.page, row.title, row.username, row.name, row.role, row.status,
                  row.confirmed_iso, row.commit or "")  # fmt: skip
        writer.writerow([_cell(value) for value in values])
    return out.getvalue()


def _cell(value: str) -> str:
    # A title like "=HYPERLINK(...)" must not run as a formula when the file is opened.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
