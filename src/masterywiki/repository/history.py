"""History services: page history, a page at a revision, diffs, recent changes, deletions.

No Flask here. Everything is read from git with path-limited `git log`, so a
page's history costs the same however large the wiki is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.diffs import Diff, diff_texts
from masterywiki.content.model import decode
from masterywiki.errors import PageNotFound
from masterywiki.git import releases
from masterywiki.git.parse import Revision
from masterywiki.repository.wiki import Wiki
from masterywiki.support.lru import LRU

PER_PAGE = 50


@dataclass(frozen=True)
class HistoryRow:
    revision: Revision
    path: str  # the page's file in that commit
    status: str  # A, M, R or D


@dataclass(frozen=True)
class Listing:
    rows: tuple[HistoryRow, ...]
    page: int
    has_next: bool


@dataclass(frozen=True)
class Version:
    """A page's text at one revision."""

    name: str
    path: str
    text: str
    revision: Revision


@dataclass(frozen=True)
class Comparison:
    old: Version | None  # None when the page was created in `new`
    new: Version
    diff: Diff


class History:
    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.storage = wiki.storage
        self._deletions: LRU[tuple[Revision, str] | bool] = LRU(1024)
        # Recent changes, kept per branch head: `git log --name-status` diffs each
        # commit's trees (at 100,000 pages in sections of 5,000, 80 ms a view), and what
        # changed before a head never changes.
        self._recent: LRU[tuple[list[Revision], bool]] = LRU(64)

    def current_file(self, name: str) -> str:
        """The file that holds (or last held) page `name`. Raises PageNotFound."""
        record = self.wiki.refresh().catalog.get(name)
        if record is not None:
            return record.file
        deleted = self.deletion(name)
        if deleted is None:
            raise PageNotFound(name)
        return deleted[1]

    def deletion(self, name: str) -> tuple[Revision, str] | None:
        """The commit that deleted page `name` and the file it removed, if it is gone."""
        snapshot = self.wiki.refresh()
        if name in snapshot.catalog:
            return None
        key = (snapshot.commit, name)
        cached = self._deletions.get(key)
        if cached is None:
            rows = self.storage.log(names.candidate_files(name), limit=1, diff_filter="D")
            found = None
            if rows:
                paths = [p for status, p in rows[0].files if status == "D"]
                wanted = [p for p in paths if names.name_for_file(p) == name]
                found = (rows[0], wanted[0]) if wanted else None
            cached = found or False
            self._deletions.put(key, cached)
        return cached if isinstance(cached, tuple) else None

    def page_history(self, name: str, page: int = 1, per_page: int = PER_PAGE) -> Listing:
        """One page of a page's history, newest first, following renames."""
        page = max(page, 1)
        path = self.current_file(name)
        found = self.storage.follow_log(path, skip=(page - 1) * per_page, limit=per_page + 1)
        rows = tuple(_row(revision, path) for revision in found[:per_page])
        return Listing(rows, page, has_next=len(found) > per_page)

    def version(self, name: str, rev: str) -> Version:
        """Page `name` as it was in commit `rev` (a commit id or a release name).
        Raises RevisionNotFound, PageNotFound."""
        commit = releases.resolve(self.storage, rev)
        revision = self.storage.log(rev=commit, limit=1)[0]
        for candidate in names.candidate_files(name):
            data = self.storage.read_file(commit, candidate)
            if data is not None:
                return Version(name, candidate, decode(data), revision)
        # The page may have lived at another path then: follow its history back.
        path = self._path_at(name, commit)
        data = self.storage.read_file(commit, path) if path else None
        if path is None or data is None:
            raise PageNotFound(name, f"The page '{name}' did not exist in revision {rev[:10]}.")
        return Version(name, path, decode(data), revision)

    def _path_at(self, name: str, commit: str) -> str | None:
        path = self.current_file(name)
        for revision in self.storage.follow_log(path, limit=100_000):
            row = _row(revision, path)
            if row.revision.commit == commit or self.storage.is_ancestor(
                row.revision.commit, commit
            ):
                return row.path if row.status != "D" else None
            path = _previous_path(revision, path)
        return None

    def compare(self, name: str, old_rev: str | None, new_rev: str) -> Comparison:
        """The change to page `name` between two revisions (default: the one before);
        a page that did not exist at `old_rev` is new in full.
        Raises RevisionNotFound, PageNotFound (for `new_rev`)."""
        new = self.version(name, new_rev)
        old: Version | None = None
        if old_rev:
            try:
                old = self.version(name, old_rev)
            except PageNotFound:  # added since `old_rev`: all of it is new
                old = None
        else:
            earlier = self.storage.follow_log(new.path, rev=new.revision.commit, skip=1, limit=1)
            if earlier:
                try:
                    old = self.version(name, earlier[0].commit)
                except PageNotFound:
                    old = None
        return Comparison(old, new, diff_texts(old.text if old else "", new.text))

    def recent_changes(
        self,
        page: int = 1,
        per_page: int = PER_PAGE,
        author: str | None = None,
        section: str | None = None,
    ) -> tuple[list[Revision], bool]:
        """Recent commits across the wiki, optionally by one author or in one section."""
        if section is not None:
            names.validate(section)
        head = self.storage.head()
        key = (head, page, per_page, author, section)
        kept = self._recent.get(key) if head is not None else None
        if kept is not None:
            return list(kept[0]), kept[1]
        paths = [section + "/", section + names.PAGE_SUFFIX] if section else []
        found = self.storage.log(
            paths, rev=head, skip=(max(page, 1) - 1) * per_page, limit=per_page + 1, author=author
        )
        answer = found[:per_page], len(found) > per_page
        if head is not None:
            self._recent.put(key, answer)
        return list(answer[0]), answer[1]

    def changes_in(
        self, paths: Sequence[str] | None, page: int = 1, per_page: int = PER_PAGE
    ) -> tuple[list[Revision], bool]:
        """Recent commits touching any of `paths` (git pathspecs; None: the whole wiki),
        each listing only its files among them (the watchlist)."""
        if paths is not None and not paths:
            return [], False
        found = self.storage.log(
            paths or [], skip=(max(page, 1) - 1) * per_page, limit=per_page + 1
        )
        return found[:per_page], len(found) > per_page

    def changes_since(self, old: str, new: str, limit: int = 1000) -> list[Revision]:
        """The commits `new` has that `old` has not, newest first (at most `limit`).
        Raises RevisionNotFound when `old` is not in the repository any more."""
        return self.storage.log(rev=f"{self.storage.resolve(old)}..{new}", limit=limit)


def _row(revision: Revision, fallback: str) -> HistoryRow:
    """A history row; with --follow, a revision lists only the followed file."""
    if not revision.files:
        return HistoryRow(revision, fallback, "M")
    status, files = revision.files[0]
    old, _, new = files.partition(" -> ")
    return HistoryRow(revision, new or old, status)


def _previous_path(revision: Revision, path: str) -> str:
    """The path before `revision`, if it renamed the file to `path`."""
    for status, files in revision.files:
        old, _, new = files.partition(" -> ")
        if status == "R" and new == path:
            return old
    return path
