"""Adopted versions: making a release of the wiki at HEAD, listing releases, and the
pages added, changed, moved or removed between two of them.

No Flask here; the web views and `masterywiki release` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.errors import RevisionNotFound
from masterywiki.git import releases as gitreleases
from masterywiki.git.releases import FileChange, Release
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.wiki import Wiki

KINDS = ("added", "changed", "moved", "removed")


@dataclass(frozen=True)
class PageChange:
    kind: str  # one of KINDS
    name: str  # the page's name in the newer release (in the older one when removed)
    old_name: str  # its name in the older release (the same unless moved)
    title: str


@dataclass(frozen=True)
class ReleaseComparison:
    old: Release
    new: Release
    changes: tuple[PageChange, ...]

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)


class Releases:
    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.storage = wiki.storage

    def all(self) -> list[Release]:
        """Every release, newest first."""
        return gitreleases.list_releases(self.storage)

    def get(self, name: str) -> Release:
        """Release `name`. Raises RevisionNotFound."""
        for release in self.all():
            if release.name == name:
                return release
        raise RevisionNotFound(f"There is no release called '{name[:60]}'.")

    def create(self, name: str, message: str, author: Author) -> Release:
        """Release the wiki as it is now (HEAD) as `name`.
        Raises InvalidReleaseName, ReleaseExists, RevisionNotFound."""
        gitreleases.check_name(name)  # the name's problem first, before any other
        head = self.storage.head()
        if head is None:
            raise RevisionNotFound("The wiki has no commits yet: there is nothing to release.")
        return gitreleases.create_release(self.storage, name, head, message, author)

    def compare(self, old_name: str, new_name: str) -> ReleaseComparison:
        """The pages that differ between two releases. Raises RevisionNotFound."""
        old, new = self.get(old_name), self.get(new_name)
        files = gitreleases.changed_files(self.storage, old.commit, new.commit)
        titles = {name: record.title for name, record in self.wiki.refresh().catalog.pages.items()}
        changes = [c for f in files if (c := page_change(f, titles)) is not None]
        changes.sort(key=lambda c: (KINDS.index(c.kind), c.name))
        return ReleaseComparison(old, new, tuple(changes))


def page_change(change: FileChange, titles: dict[str, str]) -> PageChange | None:
    """What a changed file means for pages (None for files that are not pages)."""
    name = names.name_for_file(change.path)
    old_name = names.name_for_file(change.old_path)
    if name is None and old_name is None:
        return None
    if change.status == "D" or name is None:
        assert old_name is not None
        return PageChange("removed", old_name, old_name, titles.get(old_name, old_name))
    title = titles.get(name, name)
    if change.status == "A" or old_name is None:
        return PageChange("added", name, name, title)
    if change.status == "R" and old_name != name:
        return PageChange("moved", name, old_name, title)
    return PageChange("changed", name, name, title)


class _PinnedStorage(GitStorage):
    """The repository with HEAD held at one commit, for reading the wiki as it was."""

    def __init__(self, storage: GitStorage, commit: str) -> None:
        super().__init__(storage.path)
        self._commit = commit

    def head(self) -> str | None:
        return self._commit


def wiki_at(storage: GitStorage, commit: str) -> Wiki:
    """A read-only Wiki of the pages as they were at `commit` (a full commit id), with
    its own catalog, so links and toctrees are those of that version. Close its
    storage when done."""
    return Wiki(_PinnedStorage(storage, commit))
